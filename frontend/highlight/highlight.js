// Syntax highlighting for the chat page's code blocks: highlight.js's common languages,
// bundled by esbuild into dist/highlight.js and loaded by the page the first time a finished
// reply holds a code block, so a first visit downloads none of it. Colours come from the
// page's own style sheet (its .hljs-* rules), light and dark.
import hljs from 'highlight.js/lib/common';

hljs.configure({ throwUnescapedHTML: false, ignoreUnescapedHTML: true });

/** Highlights the code blocks under `root` not highlighted yet, by their `language-*` class. */
export function highlight(root) {
  for (const code of root.querySelectorAll('.code-block pre code:not([data-highlighted])')) {
    const language = [...code.classList].find((c) => c.startsWith('language-'))?.slice(9);
    if (language && hljs.getLanguage(language)) {
      hljs.highlightElement(code);
    } else {
      // A language highlight.js does not know (or none) stays plain, marked as seen.
      code.dataset.highlighted = 'no';
    }
  }
}
