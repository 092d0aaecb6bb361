/** The patch document itself is malformed: the server answers 400. */
export class PatchDecodeError extends Error {}

/** The patch is well formed but cannot be applied to this object: the server answers 422. */
export class PatchApplyError extends Error {}
