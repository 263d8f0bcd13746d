/**
 * Inline stylesheet of the HTML report: system fonts only, colours with at least 4.5:1 contrast for text,
 * one column on phones, tables that scroll inside their own box, and a print layout.
 */
export const REPORT_CSS = `
:root{--fg:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#f3f4f6;--card:#fff;--accent:#1d4ed8;
--crit:#991b1b;--crit-bg:#fee2e2;--warn:#92400e;--warn-bg:#fef3c7;--ok:#166534;--ok-bg:#dcfce7;--info:#1e40af;--info-bg:#dbeafe}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent)}
a:focus-visible,summary:focus-visible,.table-wrap:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:1}
.page{max-width:1120px;margin:0 auto;padding:24px 20px 48px}
header.top{margin-bottom:16px}
.eyebrow{margin:0 0 4px;color:var(--muted);font-size:14px;letter-spacing:.02em}
h1{font-size:26px;line-height:1.25;margin:0 0 16px;overflow-wrap:anywhere}
h2{font-size:20px;margin:0 0 12px}
h3{font-size:17px;margin:20px 0 8px;overflow-wrap:anywhere}
section.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px;margin:0 0 16px}
.verdict{border-left:6px solid var(--crit)!important}
.verdict.sev-3,.verdict.sev-4,.verdict.sev-none{border-left-color:var(--accent)!important}
.verdict .summary{font-size:19px;font-weight:600;margin:0 0 8px;overflow-wrap:anywhere}
.verdict .does{margin:0 0 12px;overflow-wrap:anywhere}
.badges{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 12px;padding:0;list-style:none}
.badge{display:inline-block;border-radius:999px;padding:2px 10px;font-size:14px;font-weight:600;border:1px solid currentColor}
.b-crit{color:var(--crit);background:var(--crit-bg)}.b-warn{color:var(--warn);background:var(--warn-bg)}
.b-ok{color:var(--ok);background:var(--ok-bg)}.b-info{color:var(--info);background:var(--info-bg)}
dl.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:8px 24px;margin:0}
dl.facts div{min-width:0}
dl.facts dt{color:var(--muted);font-size:13px}
dl.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.problems{border-left:6px solid var(--warn)!important;background:var(--warn-bg)!important}
.problems.failed{border-left-color:var(--crit)!important;background:var(--crit-bg)!important}
.problems ul{margin:8px 0 0;padding-left:20px}
.problems li{overflow-wrap:anywhere}
nav.toc ol{display:flex;flex-wrap:wrap;gap:6px 18px;margin:0;padding:0;list-style:none;font-size:15px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:0 0 16px;padding:0;list-style:none}
.stats li{border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.stats .n{display:block;font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}
.stats .l{color:var(--muted);font-size:14px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,560px),1fr));gap:20px}
figure.chart{margin:0;min-width:0}
figure.chart svg{display:block;max-width:100%;height:auto}
figure.chart figcaption{font-size:15px;font-weight:600;margin:0 0 6px;overflow-wrap:anywhere}
details{margin-top:6px}
summary{cursor:pointer;color:var(--accent);font-size:14px}
.table-wrap{overflow-x:auto;max-width:100%;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{text-align:left;padding:8px 10px;color:var(--muted);font-size:13px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:#f9fafb;font-weight:600;vertical-align:bottom}
tbody tr:last-child td,tbody tr:last-child th{border-bottom:0}
tbody th{font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead th.num{white-space:normal;min-width:7ch}
td.num .sub{font-variant-numeric:normal}
.name{overflow-wrap:anywhere;min-width:16ch}
.wide{min-width:26ch}
code.ep{white-space:nowrap}
.tag{display:inline-block;font-size:12px;padding:0 6px;border-radius:10px;background:#e0f2fe;color:#075985}
.sub{display:block;color:var(--muted);font-weight:400;font-size:13px}
tr.top td,tr.top th{background:#fff7ed}
ol.recs{list-style:none;margin:0;padding:0;display:grid;gap:12px}
ol.recs li{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
ol.recs h3{margin:0 0 6px}
ol.recs p{margin:4px 0;overflow-wrap:anywhere}
ol.recs pre{margin:6px 0;padding:8px 10px;background:#f3f4f6;border-radius:6px;overflow-x:auto;white-space:pre;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;user-select:all}
ol.recs pre code{background:none;padding:0;overflow-wrap:normal}
ol.recs pre.math{user-select:auto;white-space:pre-wrap}
.kind{font-size:13px;color:var(--muted)}.kind b{text-transform:uppercase;letter-spacing:.04em;font-size:12px;font-weight:600}
.evidence{color:var(--muted)}.evidence strong{color:var(--fg)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:#f3f4f6;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
ol.chain{margin:8px 0;padding-left:22px}ol.chain li{margin:4px 0;overflow-wrap:anywhere}
.conflict{color:var(--crit)}
ul.files{columns:2 260px;margin:0;padding-left:20px}ul.files li{overflow-wrap:anywhere}
p.note{color:var(--muted);font-size:14px}
footer{color:var(--muted);font-size:13px;margin-top:24px;overflow-wrap:anywhere}
@media (max-width:600px){
 .wide{min-width:18ch}
 dl.facts{grid-template-columns:repeat(2,minmax(0,1fr));gap:6px 14px}
 .page{padding:12px 10px 32px}h1{font-size:21px}section.card{padding:14px;border-radius:8px}
 .verdict .summary{font-size:17px}th,td{padding:6px 8px}
}
@media print{
 body{background:#fff;font-size:11pt}.page{max-width:none;padding:0}
 section.card{border:0;border-top:1px solid #999;border-radius:0;padding:10px 0;break-inside:auto}
 figure.chart,ol.recs li,tr{break-inside:avoid}.table-wrap{overflow:visible;border:0}
 nav.toc,.skip,details summary{display:none}
 a{color:inherit;text-decoration:none}
 .charts{grid-template-columns:1fr}
}
`;
