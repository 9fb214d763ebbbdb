"""The page's own CSS and click script, shipped in the sources panel's ``head`` and ``js_on_load``.

Gradio 6 takes page-wide css/head only in ``launch()``; carrying them on a component keeps ``build_app``
self-contained, so any launch of the app looks and behaves the same. The script never reads document
content: it only follows ``href="#src-T-N"`` links that ui/render.py wrote.
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
  background: var(--color-accent-soft, #ffedd5); color: var(--color-accent, #c2410c); font-weight: 600;
  text-decoration: none; padding: 0 .15rem; cursor: pointer; }
a.rag-cite.rag-active { background: var(--color-accent, #f97316); color: #fff; }
.rag-badge { display: inline-block; font-size: .78rem; font-weight: 700; border-radius: 999px;
  padding: .05rem .55rem; margin-right: .3rem; }
.rag-badge.rag-abstain { background: #e0e7ff; color: #3730a3; }
.rag-badge.rag-error { background: #fee2e2; color: #991b1b; }
.rag-abstained { border: 1px dashed #6366f1; border-radius: 8px; padding: .4rem .6rem; }
.rag-note { margin: .3rem 0; }
.rag-abstain-note, .rag-error-note { border-radius: 6px; padding: .4rem .6rem; }
.rag-abstain-note { background: #e0e7ff; color: #312e81; }
.rag-error-note { background: #fee2e2; color: #7f1d1d; }
.rag-empty { opacity: .7; }
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
    const fold = card.closest('details');
    if (fold) fold.open = true;
    document.querySelectorAll('.rag-active').forEach((e) => e.classList.remove('rag-active'));
    card.classList.add('rag-active');
    document.querySelectorAll('a.rag-cite[href="#' + id + '"]').forEach((e) => e.classList.add('rag-active'));
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
"""
