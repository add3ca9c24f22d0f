// An extension that does nothing: what the host itself costs to load and activate one.
exports.activate = function activate() {
  return {};
};
exports.deactivate = function deactivate() {};
