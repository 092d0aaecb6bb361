/**
 * Hostile documents people (or attackers) hand to steps that read YAML or JSON.
 */

/** Nine levels of nine aliases: 342 bytes that expand to 9^9 (387 million) strings. */
export function billionLaughs(): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let level = 1; level < 9; level++) {
    const [previous, name] = [String.fromCharCode(96 + level), String.fromCharCode(97 + level)];
    text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
  }
  return text;
}
