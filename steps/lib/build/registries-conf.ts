/**
 * A registries.conf (containers-registries.conf(5), v2 format) that keeps the machine's own file and marks
 * the given hosts insecure (plain HTTP or unverified TLS): buildah's TLS setting per registry, where its
 * --tls-verify flag would apply to every registry of the build at once. Hosts the base file already
 * declares are left as the file says.
 */
export function registriesConf(baseText: string, insecureHosts: readonly string[]): string {
  const declared = (host: string) =>
    new RegExp(`^\\s*location\\s*=\\s*"${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'm').test(baseText);
  const blocks = [...new Set(insecureHosts)]
    .filter((h) => !declared(h))
    .map((host) => `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
  const base = baseText.trim() ? baseText.replace(/\n*$/, '\n\n') : '';
  return base + blocks.join('\n');
}
