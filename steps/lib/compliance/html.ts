import type { ComplianceReport } from './assess.js';
import { COLUMNS, headline, rowCells, scopeLine } from './cells.js';

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Inline styles only: the page is opened from a workspace or an artifact store, with no server behind it.
const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1f2328}
h1{font-size:1.4rem}
.verdict-pass{color:#1a7f37}.verdict-fail{color:#cf222e}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
tr.compliant td:nth-child(5){color:#1a7f37}
tr.non-compliant td:nth-child(5),tr.unscanned td:nth-child(5){color:#cf222e;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:12px}
`;

/** A self-contained page: inline CSS, no scripts, no external resources; every value escaped. */
export function renderHtml(report: ComplianceReport): string {
  const numeric = new Set(COLUMNS.map((c, i) => (/^[A-Z]+$/.test(c) ? i : -1)).filter((i) => i >= 0));
  const rows = report.images.map((image) => {
    const cells = rowCells(image).map(
      (text, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${escape(text)}</td>`,
    );
    return `<tr class="${image.status}" data-digest="${escape(image.digest)}" title="${escape(image.reasons.join('; '))}">${cells.join('')}</tr>`;
  });
  const attention = report.images.filter((i) => i.status !== 'compliant');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Image compliance report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Image compliance report</h1>
<p>${escape(scopeLine(report))}</p>
<p id="verdict" class="verdict-${report.summary.verdict}"><strong>${escape(headline(report))}</strong></p>
<table id="images">
<thead><tr>${COLUMNS.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${
  attention.length
    ? `<h2>Why not compliant</h2>\n<ul>\n${attention
        .map(
          (i) =>
            `<li><code>${escape(`${i.repository}@${i.digest}`)}</code> (${escape(i.tags.join(', ') || 'untagged')}): ${escape(i.reasons.join('; '))}</li>`,
        )
        .join('\n')}\n</ul>`
    : ''
}
</body>
</html>
`;
}
