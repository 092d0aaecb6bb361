/**
 * Secret redaction for everything a step prints: logs, error messages, reports.
 * Two layers: exact values registered at runtime (passwords, tokens, webhook URLs read from Secrets),
 * and patterns that catch credentials we were never told about (headers, docker config fields, URLs).
 */
const MASK = '***';
const registered = new Set<string>();

/** Secrets shorter than this are not registered: masking "a" everywhere would garble every line. */
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  registered.add(value);
  // Credentials also travel base64-encoded (Basic auth, docker config "auth").
  registered.add(Buffer.from(value).toString('base64'));
}

export function clearRegisteredSecrets(): void {
  registered.clear();
}

const patterns: Array<[RegExp, string]> = [
  [/\b(authorization|proxy-authorization)(\s*[:=]\s*)(bearer|basic|token)?\s*[^\s,;"']+/gi, `$1$2$3 ${MASK}`],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${MASK}`],
  [
    /("(?:auth|password|token|access_token|refresh_token|identitytoken|registrytoken|secret)"\s*:\s*")[^"]*(")/gi,
    `$1${MASK}$2`,
  ],
  [/\b((?:password|passwd|token|access_token|secret|api[_-]?key)=)[^\s&"']+/gi, `$1${MASK}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, `$1${MASK}@`],
  [/\bhttps:\/\/hooks\.slack\.com\/[^\s"']+/gi, `https://hooks.slack.com/${MASK}`],
  [
    /\bhttps:\/\/[^\s"'/]*(?:webhook\.office\.com|logic\.azure\.com|environment\.api\.powerplatform\.com)[^\s"']*/gi,
    `https://${MASK}`,
  ],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, MASK],
];

export function redact(text: string): string {
  let out = text;
  // Longest first so a secret containing another is masked whole.
  for (const secret of [...registered].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}
