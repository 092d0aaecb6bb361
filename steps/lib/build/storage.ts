export type StorageDriver = 'vfs' | 'overlay';
export type StorageChoice = StorageDriver | 'auto';

export interface StorageEnvironment {
  fuseDevice: boolean;
  /** Path of fuse-overlayfs, when installed. */
  fuseOverlayfs?: string;
}

export interface StorageOptions {
  driver: StorageDriver;
  root?: string;
  runRoot?: string;
}

/**
 * vfs works everywhere, unprivileged included, at the cost of a full copy per layer; overlay through
 * fuse-overlayfs is much faster and needs /dev/fuse in the pod (OpenShift: the fuse device annotation).
 */
export function chooseDriver(choice: StorageChoice, env: StorageEnvironment): StorageDriver {
  if (choice !== 'auto') return choice;
  return env.fuseDevice && env.fuseOverlayfs ? 'overlay' : 'vfs';
}

/** buildah's global storage flags. */
export function storageArgs(options: StorageOptions, env: StorageEnvironment): string[] {
  return [
    '--storage-driver',
    options.driver,
    ...(options.driver === 'overlay' && env.fuseOverlayfs
      ? ['--storage-opt', `overlay.mount_program=${env.fuseOverlayfs}`]
      : []),
    ...(options.root ? ['--root', options.root] : []),
    ...(options.runRoot ? ['--runroot', options.runRoot] : []),
  ];
}
