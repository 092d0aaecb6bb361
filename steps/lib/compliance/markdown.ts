import type { ComplianceReport } from './assess.js';
import { COLUMNS, headline, rowCells, scopeLine } from './cells.js';

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderMarkdown(report: ComplianceReport): string {
  const lines = ['# Image compliance report', '', scopeLine(report), '', `**${headline(report)}**`, ''];
  lines.push(`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`);
  for (const image of report.images) lines.push(`| ${rowCells(image).map(cell).join(' | ')} |`);
  const attention = report.images.filter((i) => i.status !== 'compliant');
  if (attention.length) {
    lines.push('', '## Why not compliant', '');
    for (const i of attention)
      lines.push(
        `- \`${i.repository}@${i.digest}\` (${i.tags.join(', ') || 'untagged'}): ${i.reasons.join('; ')}`,
      );
  }
  return lines.join('\n') + '\n';
}
