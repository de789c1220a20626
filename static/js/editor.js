// The exercise workspace: CodeMirror editors over plain textareas (the form still posts the
// textareas, so everything works without JavaScript), file tabs, autosave and the event picker.
import { EditorState } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  bracketMatching, indentOnInput, syntaxHighlighting, defaultHighlightStyle, foldGutter,
  HighlightStyle,
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { linter, lintGutter } from "@codemirror/lint";
import { python } from "@codemirror/lang-python";
import { json, jsonParseLinter } from "@codemirror/lang-json";

const AUTOSAVE_MS = 800;

// CodeMirror's default colours, except two that fall below WCAG AA contrast on white
// (f-string braces and escapes #e40, invalid #f00).
const SAFER = { "#e40": "#a33200", "#f00": "#c00000" };
const readableColours = HighlightStyle.define(
  defaultHighlightStyle.specs.map((spec) => (
    SAFER[spec.color] ? { ...spec, color: SAFER[spec.color] } : spec
  )),
);

// Where a JSON.parse error is, as "line L, column C" (engines report a position or a line).
export function jsonProblem(text) {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const message = String(error.message || error);
    let line = 1;
    let column = 1;
    const pos = /position (\d+)/.exec(message);
    const lc = /line (\d+) column (\d+)/.exec(message);
    if (lc) {
      line = Number(lc[1]);
      column = Number(lc[2]);
    } else if (pos) {
      const before = text.slice(0, Number(pos[1]));
      line = before.split("\n").length;
      column = Number(pos[1]) - before.lastIndexOf("\n");
    }
    return { line, column, message: message.replace(/^JSON\.parse: /, "") };
  }
}

function mountEditor(textarea, onChange) {
  const language = textarea.dataset.editor === "json"
    ? [json(), linter(jsonParseLinter()), lintGutter()]
    : [python()];
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(),
        foldGutter(), drawSelection(), indentOnInput(), bracketMatching(), closeBrackets(),
        highlightActiveLine(), highlightSelectionMatches(),
        syntaxHighlighting(readableColours),
        EditorState.tabSize.of(4),
        // Tab indents; Escape then Tab moves focus on (CodeMirror's built-in escape hatch).
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap,
          indentWithTab]),
        EditorView.contentAttributes.of({
          "aria-label": textarea.dataset.label || "Code",
          tabindex: "0",
          "aria-describedby": textarea.getAttribute("aria-describedby") || "",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            textarea.value = update.state.doc.toString();
            onChange(textarea);
          }
        }),
        ...language,
      ],
    }),
  });
  textarea.classList.add("editor-source");
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  if (label) label.removeAttribute("for"); // the editor carries the label now
  textarea.after(view.dom);
  textarea.editorView = view;
  // Line heights are measured once; measure again when web fonts or layout settle.
  document.fonts?.ready.then(() => view.requestMeasure());
  return view;
}

export function setEditorText(textarea, text) {
  const view = textarea.editorView;
  textarea.value = text;
  if (view) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

function setupTabs(form) {
  const tabs = [...form.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    tabs.forEach((other) => {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    });
    tab.focus();
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) {
        event.preventDefault();
        select(tabs[(index + step + tabs.length) % tabs.length]);
      }
    });
  });
}

function codeFields(form) {
  const files = {};
  new FormData(form).forEach((value, key) => { if (key.startsWith("file:")) files[key] = value; });
  return files;
}

function writeBackup(key, files, synced) {
  try {
    localStorage.setItem(key, JSON.stringify({ files, synced, at: Date.now() }));
  } catch (e) { /* storage full or disabled: the server copy is all there is */ }
}

// A copy that never reached the server (offline, over the size limit, tab closed mid-save)
// is offered back when the learner returns.
function offerUnsavedBackup(form, key, status) {
  let backup = null;
  try { backup = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { backup = null; }
  if (!backup || backup.synced) return;
  const current = codeFields(form);
  const differs = Object.keys(backup.files).some((name) => backup.files[name] !== current[name]);
  if (!differs) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link-button";
  button.textContent = "Restore the unsaved changes from this browser";
  button.addEventListener("click", () => {
    Object.entries(backup.files).forEach(([name, text]) => {
      const textarea = form.querySelector(`textarea[name="${CSS.escape(name)}"]`);
      if (textarea) setEditorText(textarea, text);
    });
    form.dispatchEvent(new Event("input"));
  });
  status.replaceChildren(button);
}

function setupAutosave(form) {
  const status = document.getElementById("save-status");
  const backupKey = `lambdalab-draft-${form.dataset.exercise}`;
  let timer = null;
  offerUnsavedBackup(form, backupKey, status);
  const save = () => {
    timer = null;
    // A local copy first: whatever the server says, the learner's text survives a reload.
    const files = codeFields(form);
    writeBackup(backupKey, files, false);
    // Plain fetch, not htmx: htmx would post to the formaction of the last button pressed
    // (Test or Submit) and queue a second job instead of saving.
    fetch(form.dataset.autosaveUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "HX-Request": "true" },
    }).then(async (response) => {
      status.innerHTML = await response.text();
      if (response.ok) writeBackup(backupKey, files, true);
    }).catch(() => {
      status.innerHTML = '<span class="inline-error">Not saved: LambdaLab cannot be reached. '
        + "Your code is kept in this browser.</span>";
    });
  };
  const schedule = () => {
    if (status) status.innerHTML = '<span class="muted">Saving…</span>';
    clearTimeout(timer);
    timer = setTimeout(save, AUTOSAVE_MS);
  };
  form.addEventListener("input", schedule);
  form.addEventListener("change", (event) => {
    if (event.target.name && event.target.name !== "event_choice") schedule();
  });
  // Leaving with unsaved typing: the browser delivers a beacon even as the page goes away.
  window.addEventListener("pagehide", () => {
    if (timer) navigator.sendBeacon(form.dataset.autosaveUrl, new FormData(form));
  });
  return schedule;
}

function setupEventPicker(form, eventTextarea, validate) {
  document.addEventListener("change", (event) => {
    if (!event.target.matches("[data-event-source]")) return;
    const data = JSON.parse(document.getElementById("event-data").textContent);
    const body = data[event.target.value];
    if (body !== undefined) {
      setEditorText(eventTextarea, body);
      validate();
      form.dispatchEvent(new Event("input"));
    }
  });
}

function setupValidation(form, eventTextarea) {
  const output = document.getElementById("event-error");
  const validate = () => {
    const problem = jsonProblem(eventTextarea.value);
    output.textContent = problem
      ? `The test event is not valid JSON. Line ${problem.line}, column ${problem.column}: ${problem.message}`
      : "";
    return !problem;
  };
  // Test needs a valid event; say where it is wrong instead of sending it.
  form.addEventListener("htmx:confirm", (event) => {
    const button = event.detail.elt;
    if (button.dataset && button.dataset.action === "test" && !validate()) {
      event.preventDefault();
      eventTextarea.editorView?.focus();
    }
  });
  return validate;
}

export function setupWorkspace() {
  const form = document.getElementById("workspace");
  if (!form) return;
  let schedule = () => {};
  const changed = () => schedule();
  form.querySelectorAll("textarea[data-editor]").forEach((ta) => mountEditor(ta, changed));
  setupTabs(form);
  schedule = setupAutosave(form);
  const eventTextarea = document.getElementById("event-json");
  const validate = setupValidation(form, eventTextarea);
  setupEventPicker(form, eventTextarea, validate);
  const reset = document.getElementById("reset-form");
  reset?.addEventListener("submit", (event) => {
    if (!window.confirm(reset.dataset.confirm)) event.preventDefault();
    else localStorage.removeItem(`lambdalab-draft-${form.dataset.exercise}`);
  });
}
