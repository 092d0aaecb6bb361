/**
 * The part of Tekton's v1 Pipeline and Task API the local runner executes. Field names follow Tekton's, so a
 * reader who knows the YAML knows these types; defaults are filled in by the loader.
 */
export type ParamType = 'string' | 'array' | 'object';
export type ParamValue = string | string[] | Record<string, string>;

export interface ParamSpec {
  name: string;
  type: ParamType;
  default?: ParamValue;
  /** Keys of an object param. */
  properties?: string[];
}

export interface Param {
  name: string;
  value: ParamValue;
}

export interface WhenExpression {
  input: string;
  operator: 'in' | 'notin';
  values: string[];
}

export interface ResultSpec {
  name: string;
  type: ParamType;
}

export interface WorkspaceDeclaration {
  name: string;
  optional: boolean;
  readOnly: boolean;
  /** Where the workspace is mounted in the step containers; Tekton's default is /workspace/<name>. */
  mountPath: string;
}

export interface KeyRef {
  name: string;
  key: string;
  optional: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  secretKeyRef?: KeyRef;
  configMapKeyRef?: KeyRef;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly: boolean;
}

export type VolumeSource =
  | { kind: 'emptyDir' }
  | { kind: 'secret'; name: string; optional: boolean }
  | { kind: 'configMap'; name: string; optional: boolean };

export interface Volume {
  name: string;
  source: VolumeSource;
}

export interface Step {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  script?: string;
  env: EnvVar[];
  workingDir?: string;
  onError: 'continue' | 'stopAndFail';
  timeoutMs?: number;
  volumeMounts: VolumeMount[];
}

export type StepTemplate = Partial<Omit<Step, 'name' | 'onError' | 'timeoutMs'>>;

export interface TaskSpec {
  params: ParamSpec[];
  results: ResultSpec[];
  workspaces: WorkspaceDeclaration[];
  steps: Step[];
  stepTemplate?: StepTemplate;
  volumes: Volume[];
}

export interface Task {
  name: string;
  spec: TaskSpec;
  /** The file it was read from, for messages. */
  source: string;
}

export interface WorkspacePipelineTaskBinding {
  /** The Task's workspace name. */
  name: string;
  /** The Pipeline's workspace bound to it. */
  workspace: string;
  subPath?: string;
}

export interface PipelineTask {
  name: string;
  taskRef?: string;
  taskSpec?: TaskSpec;
  params: Param[];
  runAfter: string[];
  when: WhenExpression[];
  workspaces: WorkspacePipelineTaskBinding[];
  retries: number;
  timeoutMs?: number;
  /** TEP-0050: a failure of this task does not fail the PipelineRun. */
  onError: 'continue' | 'stopAndFail';
}

export interface PipelineResult {
  name: string;
  value: ParamValue;
}

export interface PipelineWorkspace {
  name: string;
  optional: boolean;
}

export interface Pipeline {
  name: string;
  params: ParamSpec[];
  workspaces: PipelineWorkspace[];
  tasks: PipelineTask[];
  finally: PipelineTask[];
  results: PipelineResult[];
  source: string;
}
