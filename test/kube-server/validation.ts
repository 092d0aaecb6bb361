import { deepEqual } from './json.js';
import { forbiddenField, invalidField, requiredField, type FieldError } from './http/status.js';
import type {
  Container,
  Deployment,
  KubeObject,
  Pod,
  PodTemplate,
  Route,
  RouteTarget,
  Secret,
} from './model.js';
import { matchesLabels, requirementsOf } from './selectors.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_HELP =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Kinds whose names must be DNS labels rather than subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

/** OpenShift names an Image by its manifest digest. */
const IMAGE_NAME = /^[a-z0-9]+:[a-f0-9]{32,}$/;

export function validateName(kind: string, name: string | undefined): FieldError[] {
  if (!name) return [requiredField('metadata.name', 'name or generateName is required')];
  if (kind === 'Image')
    return IMAGE_NAME.test(name)
      ? []
      : [invalidField('metadata.name', name, 'must be a digest such as sha256:<hex>')];
  const label = LABEL_NAMED.has(kind);
  const ok = label
    ? DNS1123_LABEL.test(name) && name.length <= 63
    : DNS1123_SUBDOMAIN.test(name) && name.length <= 253;
  return ok ? [] : [invalidField('metadata.name', name, label ? LABEL_HELP : SUBDOMAIN_HELP)];
}

function validateContainers(containers: Container[] | undefined, path: string): FieldError[] {
  if (!containers || containers.length === 0) return [requiredField(path)];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    if (!c.name) errors.push(requiredField(`${path}[${i}].name`));
    else if (seen.has(c.name))
      errors.push({
        type: 'FieldValueInvalid',
        field: `${path}[${i}].name`,
        value: c.name,
        detail: 'Duplicate value',
      });
    seen.add(c.name);
    if (!c.image) errors.push(requiredField(`${path}[${i}].image`));
  });
  return errors;
}

function validateTemplate(spec: {
  selector?: Deployment['spec']['selector'];
  template?: PodTemplate;
  replicas?: number;
}): FieldError[] {
  const errors: FieldError[] = [];
  const selector = spec.selector;
  if (!selector || requirementsOf(selector).length === 0) {
    errors.push(requiredField('spec.selector'));
  } else if (!matchesLabels(requirementsOf(selector), spec.template?.metadata?.labels)) {
    errors.push(
      invalidField(
        'spec.template.metadata.labels',
        spec.template?.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  if (spec.replicas !== undefined && spec.replicas < 0)
    errors.push(invalidField('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  errors.push(...validateContainers(spec.template?.spec?.containers, 'spec.template.spec.containers'));
  return errors;
}

function validateRouteTarget(target: RouteTarget | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!target?.name) errors.push(requiredField(`${path}.name`));
  if (target?.kind !== 'Service')
    errors.push(invalidField(`${path}.kind`, target?.kind ?? '', 'must reference a Service'));
  const weight = target?.weight;
  if (weight !== undefined && (!Number.isInteger(weight) || weight < 0 || weight > 256)) {
    errors.push(invalidField(`${path}.weight`, weight, 'weight must be an integer between 0 and 256'));
  }
  return errors;
}

const DOCKER_CONFIG_KEYS: Record<string, string> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

type Validator = (object: KubeObject, old: KubeObject | undefined) => FieldError[];

const validators: Record<string, Validator> = {
  Deployment(object, old) {
    const d = object as Deployment;
    const errors = validateTemplate(d.spec ?? {});
    if (old && !deepEqual((old as Deployment).spec?.selector, d.spec?.selector)) {
      errors.push(invalidField('spec.selector', d.spec?.selector ?? {}, 'field is immutable'));
    }
    const deadline = d.spec?.progressDeadlineSeconds;
    if (deadline !== undefined && deadline <= (d.spec?.minReadySeconds ?? 0)) {
      errors.push(
        invalidField('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'),
      );
    }
    return errors;
  },
  ReplicaSet: (object) => validateTemplate((object.spec ?? {}) as Deployment['spec']),
  StatefulSet: (object) => validateTemplate((object.spec ?? {}) as Deployment['spec']),
  DaemonSet: (object) => validateTemplate((object.spec ?? {}) as Deployment['spec']),
  Pod: (object) => validateContainers((object as Pod).spec?.containers, 'spec.containers'),
  Secret(object, old) {
    const secret = object as Secret;
    const errors: FieldError[] = [];
    if (old && (old as Secret).type !== secret.type)
      errors.push(invalidField('type', secret.type ?? '', 'field is immutable'));
    const key = DOCKER_CONFIG_KEYS[secret.type ?? ''];
    if (key) {
      const encoded = secret.data?.[key];
      if (encoded === undefined) {
        errors.push(requiredField(`data[${key}]`));
      } else {
        try {
          JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
        } catch (err) {
          errors.push(invalidField(`data[${key}]`, '<secret contents redacted>', (err as Error).message));
        }
      }
    }
    return errors;
  },
  Service(object) {
    const ports = (object.spec as { ports?: Array<{ port?: number }> } | undefined)?.ports ?? [];
    return ports.flatMap((p, i) =>
      p.port === undefined || p.port < 1 || p.port > 65535
        ? [invalidField(`spec.ports[${i}].port`, p.port ?? 0, 'must be between 1 and 65535, inclusive')]
        : [],
    );
  },
  Route(object, old) {
    const route = object as Route;
    const errors = validateRouteTarget(route.spec?.to, 'spec.to');
    const backends = route.spec?.alternateBackends ?? [];
    if (backends.length > 3)
      errors.push(requiredField('spec.alternateBackends', 'cannot specify more than 3 additional backends'));
    backends.forEach((b, i) => errors.push(...validateRouteTarget(b, `spec.alternateBackends[${i}]`)));
    const path = route.spec?.path;
    if (path && !path.startsWith('/')) errors.push(invalidField('spec.path', path, 'path must begin with /'));
    if (old && (old as Route).spec?.host !== route.spec?.host) {
      errors.push(
        forbiddenField('spec.host', 'you do not have permission to set the host field of the route'),
      );
    }
    return errors;
  },
};

export function validate(kind: string, object: KubeObject, old?: KubeObject): FieldError[] {
  return [...validateName(kind, object.metadata.name), ...(validators[kind]?.(object, old) ?? [])];
}
