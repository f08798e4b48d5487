// Progressive enhancement only: every page works without this file.
import { initAll } from "/nhsuk/nhsuk-frontend.min.js";
initAll();

// NHS.UK's file upload drop zone puts its status ("No file chosen") and "Choose file" side by side with no space
// between them: CSS keeps them apart on screen, but with CSS off, and for axe-core's label-in-name check
// (WCAG 2.5.3), they read as "No file chosenChoose file". A space after the status restores the words.
for (const status of document.querySelectorAll(".nhsuk-file-upload__status")) status.after(" ");
