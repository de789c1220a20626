// The exercise page's bundle: CodeMirror and the workspace behaviour (loaded only there).
import { setupWorkspace } from "./editor.js";

document.addEventListener("DOMContentLoaded", setupWorkspace);
