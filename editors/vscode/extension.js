// The client of `yibao lsp` (docs/lsp.md): started over standard input/output
// for every .yb file, with the executable and arguments of the settings
// `yibao.path` and `yibao.lsp.args`.  Install: `npm install` in this folder
// (vscode-languageclient), then copy or link it into ~/.vscode/extensions/.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const cfg = vscode.workspace.getConfiguration("yibao");
  if (!cfg.get("lsp.enabled", true)) return;
  const run = { command: cfg.get("path", "yibao"), args: cfg.get("lsp.args", ["lsp"]) };
  client = new LanguageClient(
    "yibao",
    "yibao",
    { run, debug: run },
    { documentSelector: [{ scheme: "file", language: "yibao" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
