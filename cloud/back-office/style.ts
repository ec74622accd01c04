import { asset } from '../page-assets';

/**
 * The back office's one style sheet (every owner page, the sign-in and set-up pages too), served
 * from /assets: the pages' CSP allows no inline style. A sidebar from 900 px up; below, a compact top
 * bar with the sections in one row that scrolls sideways. Tables scroll inside their own box, so a
 * wide table never widens the page on a phone. Colours keep WCAG AA contrast (text ≥ 4.5:1 on its
 * background); every focusable element shows a ring when reached by keyboard. The program editor and
 * the dashboard add their own few rules (program.css, dashboard.css) after this one.
 */
const STYLE = `
:root{--ink:#1d1b19;--muted:#5c5650;--line:#d9d3ca;--paper:#fff;--wash:#f6f3ee;--side:#f0ebe3;--accent:#1f6f4a;--accent-ink:#fff;--accent-soft:#e3efe8;--danger:#a4161a;--focus:#1a56b8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--wash)}
a{color:var(--accent)}a:hover{color:#174f36}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}h2{font-size:1.15rem;margin:1.75rem 0 .6rem}h3{font-size:1rem;margin:1.2rem 0 .4rem}
p{margin:.5rem 0}
.skip-link{position:absolute;left:.5rem;top:-4rem;z-index:10;background:var(--paper);color:var(--ink);padding:.6rem 1rem;border:2px solid var(--focus);border-radius:6px}
.skip-link:focus{top:.5rem}

/* the frame */
.shell{min-height:100vh;display:grid;grid-template-columns:minmax(0,1fr);grid-template-rows:auto auto 1fr;grid-template-areas:"top" "nav" "main"}
.topbar{grid-area:top;display:flex;align-items:center;justify-content:space-between;gap:.75rem;padding:.5rem 1rem;background:var(--paper);border-bottom:1px solid var(--line)}
.shop{margin:0;display:flex;flex-direction:column;min-width:0}
.shop-name{font-weight:700;font-size:1.05rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.shop-role{font-size:.8rem;color:var(--muted)}
#logout{margin:0;flex:none}
.sections{grid-area:nav;background:var(--side);border-bottom:1px solid var(--line)}
.sections ul{list-style:none;margin:0;padding:.35rem .5rem;display:flex;gap:.25rem;overflow-x:auto;scrollbar-width:thin}
.sections li{flex:none}
.sections a{display:block;padding:.45rem .8rem;border-radius:6px;color:var(--ink);text-decoration:none;white-space:nowrap}
.sections a:hover{background:#e4ddd2;color:var(--ink)}
.sections a[aria-current=page]{background:var(--accent);color:var(--accent-ink);font-weight:600}
/* a long word, address, link or key breaks inside its line rather than widening the page (tables keep their words: they scroll in their box) */
main{grid-area:main;padding:1rem;min-width:0;max-width:78rem;overflow-wrap:break-word}
main:focus{outline:none}
@media (min-width:900px){
  .shell{grid-template-columns:15rem minmax(0,1fr);grid-template-rows:auto 1fr;grid-template-areas:"top top" "nav main"}
  .topbar{padding:.6rem 1.5rem}
  .sections{border-bottom:0;border-right:1px solid var(--line)}
  .sections ul{flex-direction:column;padding:1rem .75rem;overflow:visible;position:sticky;top:0}
  .sections a{padding:.55rem .9rem}
  main{padding:1.5rem 2rem 3rem}
}

/* pages without the frame: sign-in, set-up link */
body.bare main{max-width:32rem;margin:3rem auto;padding:1.5rem;background:var(--paper);border:1px solid var(--line);border-radius:10px}
@media (max-width:560px){body.bare main{margin:1rem;padding:1rem}}

/* tables: lines between rows, zebra, numbers right-aligned, a box that scrolls sideways */
.table-wrap{overflow-x:auto;margin:.5rem 0 1.5rem;border:1px solid var(--line);border-radius:8px;background:var(--paper)}
.table-wrap>table{margin:0;border:0}
table{border-collapse:collapse;background:var(--paper);min-width:100%;margin:.5rem 0 1.5rem}
th,td{padding:.45rem .75rem;text-align:left;border-bottom:1px solid var(--line);vertical-align:top}
/* column headers never break inside a word ("E-mail" at its hyphen at 390 px): the box scrolls instead */
thead th{background:var(--side);font-weight:600;white-space:nowrap}
tbody tr:nth-child(even){background:#faf8f5}
tbody tr:last-child>*{border-bottom:0}
/* tables the pages build without the box: they scroll themselves on a narrow screen */
@media (max-width:899px){table{display:block;overflow-x:auto;max-width:100%}.table-wrap>table{display:table}}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.n,.nowrap{white-space:nowrap}

/* forms */
label{margin-right:.75rem}
input,select,textarea,button{font:inherit;color:inherit}
input:not([type=checkbox]):not([type=radio]):not([type=hidden]),select,textarea{padding:.4rem .55rem;border:1px solid #8a8279;border-radius:6px;background:var(--paper);max-width:100%}
/* a select as wide as its longest option (a long location) shrinks to the screen; a fieldset is no wider than its box (its default min-width is its content's) */
input,select,textarea{min-width:0}fieldset{min-width:0}
textarea{width:100%}
button,.btn{display:inline-block;padding:.45rem 1rem;border:1px solid var(--accent);border-radius:6px;background:var(--accent);color:var(--accent-ink);cursor:pointer;text-decoration:none;line-height:1.4}
button:hover,.btn:hover{background:#174f36;color:var(--accent-ink)}
button.quiet,.btn.quiet{background:var(--paper);color:var(--accent)}
button.quiet:hover{background:var(--accent-soft);color:#174f36}
.btn-danger,button.danger{background:var(--danger);border-color:var(--danger)}
.btn-danger:hover{background:#7d1014}
fieldset{border:1px solid var(--line);border-radius:8px;padding:.6rem 1rem;margin:.75rem 0}
legend{font-weight:600;padding:0 .3rem}
form{margin:.5rem 0}
main form label{display:inline-flex;flex-wrap:wrap;align-items:center;gap:.35rem;margin:.25rem .9rem .25rem 0;max-width:100%}
/* forms of settings, the wizard, sign-in and set-up: each label above its field, fields of one width; a checkbox or radio beside its label */
form.stack label{display:flex;flex-direction:column;align-items:stretch;gap:.3rem;margin:.5rem 0;max-width:28rem}
form.stack label.choice{display:inline-flex;flex-direction:row;align-items:center;margin:.25rem .9rem .25rem 0}
form.stack p{margin:.25rem 0}
.field{margin:.6rem 0}.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.8rem 0}

/* the Overview's headline figures */
.kpi-cards{list-style:none;margin:1rem 0 1.5rem;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.75rem}
.kpi{background:var(--paper);border:1px solid var(--line);border-radius:10px;padding:.8rem 1rem;display:flex;flex-direction:column;gap:.2rem}
.kpi p{margin:0}.kpi-label{color:var(--muted);font-size:.9rem;line-height:1.3}
.kpi-value{font-size:1.7rem;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.2}
.kpi-change{font-size:.85rem;color:var(--muted)}.kpi-change.up span{color:var(--accent)}.kpi-change.down span{color:var(--danger)}
@media (max-width:899px){.kpi-cards{grid-template-columns:repeat(2,minmax(0,1fr))}.kpi-value{font-size:1.35rem}}

/* cards, notes, exports */
.card{background:var(--paper);border:1px solid var(--line);border-radius:10px;padding:1rem 1.2rem;margin:0 0 1rem}
.card>:first-child{margin-top:0}
.error{color:var(--danger)}.ok{color:var(--accent)}.muted{color:var(--muted)}
.flash{padding:.5rem .8rem;border:1px solid var(--accent);border-radius:6px;background:var(--accent-soft);display:inline-block}
.flash.error{border-color:var(--danger);background:#fbeaea;color:var(--danger)}
.exports{display:flex;flex-wrap:wrap;gap:.5rem;margin:.25rem 0 1rem}
.exports a{display:inline-block;padding:.35rem .8rem;border:1px solid var(--accent);border-radius:6px;text-decoration:none;background:var(--paper)}
.exports a:hover{background:var(--accent-soft)}
.w5{width:5em}.w6{width:6em}.w7{width:7em}.w24{width:24em}pre.wrap{white-space:pre-wrap}
`;

export const OWNER_CSS = asset('owner.css', STYLE);
