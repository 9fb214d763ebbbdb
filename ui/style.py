"""The page's own CSS and scripts, shipped in the sources panel's ``head`` and ``js_on_load``.

Gradio 6 takes page-wide css/head only in ``launch()``; carrying them on a component keeps ``build_app``
self-contained, so any launch of the app looks and behaves the same. The scripts never interpret document
content: they follow ``href="#src-T-N"`` links that ui/render.py wrote (on a narrow screen the card opens in
a bottom sheet with a way back), count the question's characters against its limit, and copy the text of
the hidden ``#rag-export`` field. Colours meet WCAG AA (4.5:1) for the Ask button, markers and placeholder.
"""

CSS = """
.rag-sources { display: flex; flex-direction: column; gap: .5rem; font-size: .92rem; }
.rag-sources details.rag-turn { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .3rem .6rem; }
.rag-sources details.rag-turn > summary { cursor: pointer; font-weight: 600; padding: .2rem 0; }
.rag-sources details.rag-more > summary { cursor: pointer; font-size: .85rem; opacity: .8; margin: .3rem 0; }
.rag-card { border-left: 4px solid var(--color-accent, #f97316); background: var(--background-fill-secondary);
  border-radius: 6px; padding: .5rem .7rem; margin: .5rem 0; scroll-margin: 4rem;
  transition: box-shadow .3s, background .3s; }
.rag-card.rag-uncited { border-left-color: var(--border-color-primary); }
.rag-card.rag-active { box-shadow: 0 0 0 3px var(--color-accent, #f97316); }
.rag-card header { font-weight: 600; }
.rag-card .rag-meta { margin: .1rem 0 .3rem; font-size: .82rem; opacity: .75; }
.rag-card .rag-passage { margin: 0; white-space: pre-wrap; line-height: 1.45; }
.rag-card mark.rag-quote { background: #fde68a; color: #111; padding: 0 .1rem; border-radius: 3px; }
.rag-card .rag-wire { margin: .4rem 0 0; font-size: .85rem; padding-top: .3rem;
  border-top: 1px dashed var(--border-color-primary); }
a.rag-cite, .rag-sources a.rag-marker { display: inline-block; min-width: 1.6em; text-align: center; border-radius: 4px;
  background: #ffedd5; color: #9a3412; font-weight: 600;
  text-decoration: none; padding: 0 .15rem; cursor: pointer; }
a.rag-cite.rag-active { background: #9a3412; color: #fff; }
.rag-badge { display: inline-block; font-size: .78rem; font-weight: 700; border-radius: 999px;
  padding: .05rem .55rem; margin-right: .3rem; }
.rag-badge.rag-abstain { background: #e0e7ff; color: #3730a3; }
.rag-badge.rag-error { background: #fee2e2; color: #991b1b; }
.rag-abstained { border: 1px dashed #6366f1; border-radius: 8px; padding: .4rem .6rem; }
.rag-note { margin: .3rem 0; }
.rag-abstain-note, .rag-error-note { border-radius: 6px; padding: .4rem .6rem; }
.rag-abstain-note { background: #e0e7ff; color: #312e81; }
.rag-error-note { background: #fee2e2; color: #7f1d1d; }
.rag-empty { color: var(--body-text-color-subdued); }
.rag-card .rag-meta { opacity: 1; color: #4b5563; }
.dark .rag-card .rag-meta { color: #d1d5db; }
/* Gradio's own grey text, raised to 4.5:1: slider ends, tabs, menus' placeholders, the upload area, the footer */
#rag-topk .min_value, #rag-topk .max_value, #rag-upload .or, #rag-upload .wrap { color: #4b5563 !important; }
#rag-tabs button[role="tab"] { color: #374151 !important; }
#rag-tabs button[role="tab"].selected, #rag-tabs button[role="tab"][aria-selected="true"] { color: #9a3412 !important; }
html:root { --body-text-color-subdued: #4b5563; --input-placeholder-color: #6b7280; }
.gradio-container input.subdued { color: #6b7280 !important; }
.gradio-container input::placeholder, .gradio-container textarea::placeholder { color: #6b7280 !important; opacity: 1; }
footer a, footer button, footer .show-api, footer .built-with { color: #374151 !important; }
/* contrast (WCAG AA): the Ask button, the placeholder */
#rag-send, #rag-send:hover { background: #c2410c; border-color: #c2410c; color: #fff; }
#rag-send:hover { background: #9a3412; }
#rag-question textarea::placeholder { color: #6b7280; opacity: 1; }
#rag-count { margin: .1rem .2rem; font-size: .85rem; color: #4b5563; }
#rag-count.rag-over { color: #b91c1c; font-weight: 600; }
.rag-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.rag-backends-off { font-size: .85rem; color: #4b5563; margin: .2rem 0; }
.rag-backends-off summary { cursor: pointer; }
.rag-off-name { font-weight: 600; text-decoration: line-through; }
table.rag-articles { width: 100%; border-collapse: collapse; font-size: .88rem; }
table.rag-articles caption { text-align: left; font-weight: 600; padding: .3rem 0; }
table.rag-articles th, table.rag-articles td { text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--border-color-primary); }
table.rag-articles .rag-file { font-size: .78rem; color: #4b5563; }
table.rag-articles :is(th, td):not(:first-child) { width: 1%; }  /* the title gets the room */
table.rag-articles td:nth-child(n+3) { white-space: nowrap; }  /* dates, codes and counts stay whole */
table.rag-articles th { font-size: .8rem; }
table.rag-articles td:first-child { overflow-wrap: anywhere; min-width: 9rem; }  /* long words wrap; a phone scrolls */
#rag-articles { overflow-x: auto; max-width: 100%; }  /* a narrow column scrolls the table, never the page */
#rag-articles table.rag-articles :is(th, td) { padding: .3rem .4rem; }  /* over the page theme's roomier cells */
.rag-added { font-size: .72rem; background: #dcfce7; color: #14532d; border-radius: 999px; padding: 0 .4rem; }
/* a marker on a phone: its card in a bottom sheet */
dialog#rag-sheet { position: fixed; inset: auto 0 0 0; margin: 0; width: 100vw; max-width: 100vw; max-height: 70vh;
  box-sizing: border-box; font-family: var(--font, sans-serif); font-size: .95rem;
  border: none; border-radius: 14px 14px 0 0; padding: .8rem 1rem 1rem; overflow: auto;
  background: var(--background-fill-primary); color: var(--body-text-color); box-shadow: 0 -6px 24px rgba(0,0,0,.25); }
dialog#rag-sheet::backdrop { background: rgba(0,0,0,.35); }
#rag-sheet .rag-sheet-close { display: block; margin: 0 0 .5rem auto; font: inherit; font-weight: 600; padding: .4rem .8rem;
  border-radius: 8px; border: 1px solid #9a3412; background: #fff; color: #9a3412; cursor: pointer; }
@media (max-width: 768px) { #rag-chat { height: 60vh !important; } }
/* answers (ui/render.py): the lead, the weak-match cue, quotes with their notes, unsupported LLM sentences */
strong.rag-lead { display: block; font-size: 1.05rem; }
.rag-badge.rag-weak { background: #fef3c7; color: #78350f; border: 1px solid #b45309; }
.rag-context { color: #4b5563; font-style: italic; }
.dark .rag-context { color: #d1d5db; }
.rag-qnote, .rag-hl-meta { font-size: .82rem; color: #4b5563; }
.dark .rag-qnote, .dark .rag-hl-meta { color: #d1d5db; }
.rag-unsupported { color: #4b5563; text-decoration: underline dotted #9ca3af; }
.dark .rag-unsupported { color: #d1d5db; }
.rag-nosource { display: inline-block; font-size: .72rem; font-weight: 700; border-radius: 999px; padding: 0 .45rem;
  background: #f3f4f6; color: #374151; border: 1px solid #9ca3af; }
/* sources: one card per article, its quotes, the full article folded */
.rag-card .rag-file { font-size: .78rem; color: #4b5563; }
.rag-hl { margin: .35rem 0; padding: .15rem .3rem; border-radius: 4px; scroll-margin: 4rem; transition: box-shadow .3s; }
.rag-hl.rag-active { box-shadow: 0 0 0 3px #c2410c; }
.rag-hl-meta { margin: .1rem 0 0 2rem; }
.rag-card details.rag-full > summary { cursor: pointer; font-size: .85rem; margin: .3rem 0; color: #374151; }
.dark .rag-card details.rag-full > summary { color: #e5e7eb; }
.rag-card .rag-article { white-space: pre-wrap; line-height: 1.45; max-height: 24rem; overflow: auto;
  font-size: .88rem; padding: .3rem .4rem; border: 1px solid var(--border-color-primary); border-radius: 4px; }
.rag-card mark.rag-cited { background: #fde68a; color: #111; border-radius: 3px; }
.rag-card .rag-sup { font-size: .7rem; font-weight: 700; color: #9a3412; margin-left: .1rem; }
"""

HEAD = f"<style>{CSS}</style>"

# Runs once per page load (js_on_load of the sources panel): a delegated, capturing click handler.
CLICK_JS = """
if (!window.__ragCiteLinks) {
  window.__ragCiteLinks = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a[href^="#src-"]') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const id = link.getAttribute('href').slice(1);
    if (!/^src-[0-9]+-[0-9]+$/.test(id)) return;
    const card = document.getElementById(id);
    if (!card) return;
    if (window.matchMedia('(max-width: 768px)').matches && !link.closest('#rag-sheet')) {
      window.__ragSheet(card.closest('.rag-card') || card, link);  // the whole article, not one quote
      return;
    }
    const fold = card.closest('details');
    if (fold) fold.open = true;
    document.querySelectorAll('.rag-active').forEach((e) => e.classList.remove('rag-active'));
    card.classList.add('rag-active');
    document.querySelectorAll('a.rag-cite[href="#' + id + '"]').forEach((e) => e.classList.add('rag-active'));
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
  // a phone: the card opens in a bottom sheet over the chat; "Back to the answer" (or Esc) returns to the marker
  window.__ragSheet = (card, link) => {
    let sheet = document.getElementById('rag-sheet');
    if (!sheet) {
      sheet = document.createElement('dialog');
      sheet.id = 'rag-sheet';
      sheet.setAttribute('aria-label', 'Source');
      const close = document.createElement('button');
      close.type = 'button';
      close.className = 'rag-sheet-close';
      close.textContent = 'Back to the answer';
      close.addEventListener('click', () => sheet.close());
      const body = document.createElement('div');
      body.className = 'rag-sheet-body rag-sources';
      sheet.append(close, body);
      sheet.addEventListener('close', () => { if (sheet.__from) sheet.__from.focus(); });
      sheet.addEventListener('click', (e) => { if (e.target === sheet) sheet.close(); });
      document.body.appendChild(sheet);
    }
    const whole = card.closest('.rag-card') || card;  // the article's card, the marker's quote marked in it
    const copy = whole.cloneNode(true);
    const target = link.getAttribute('href').slice(1);  // src-T-N, checked by the click handler
    copy.querySelectorAll('[id="' + target + '"]').forEach((e) => e.classList.add('rag-active'));
    copy.removeAttribute('id');
    copy.querySelectorAll('[id]').forEach((e) => e.removeAttribute('id'));
    const body = sheet.querySelector('.rag-sheet-body');
    body.replaceChildren(copy);
    sheet.__from = link;
    if (!sheet.open) sheet.showModal();
    sheet.querySelector('.rag-sheet-close').focus();
  };
  // the question's length against its limit, shown before sending (also after the page empties the box)
  const count = () => {
    const box = document.querySelector('#rag-question textarea');
    const out = document.getElementById('rag-count');
    if (!box || !out) return;
    if (!box.hasAttribute('aria-describedby')) box.setAttribute('aria-describedby', 'rag-count');
    const limit = parseInt(out.dataset.limit, 10);
    const n = box.value.trim().length;
    if (out.__n === n) return;
    out.__n = n;
    out.classList.toggle('rag-over', n > limit);
    out.textContent = n > limit ? `${n} / ${limit} characters: shorten the question to send it.`
                                : (n ? `${n} / ${limit} characters` : `Up to ${limit} characters.`);
  };
  document.addEventListener('input', count, true);
  setInterval(count, 500);
}
"""

# The copy button: the last answer with its sources, as plain text, to the clipboard; the result is announced.
COPY_JS = """
() => {
  const field = document.getElementById('rag-export');
  const live = document.getElementById('rag-live');
  const say = (text) => { if (live) live.textContent = text; };
  const text = field ? field.value : '';
  if (!text) { say('There is no answer to copy yet.'); return []; }
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    const ok = document.execCommand('copy'); area.remove();
    say(ok ? 'Answer and sources copied.' : 'Copying failed: select the answer and copy it by hand.');
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => say('Answer and sources copied.'), fallback);
  } else { fallback(); }
  return [];
}
"""
