// Saves the proposal draft a few seconds after the proposer stops typing (progressive
// enhancement: without JavaScript the "下書きを保存する" button does the same).
(function () {
  "use strict";
  var form = document.getElementById("proposal-form");
  var status = document.getElementById("autosave-status");
  if (!form || !window.fetch || !window.FormData) { return; }
  var timer = null;
  var saving = false;

  function save() {
    if (saving) { timer = setTimeout(save, 1000); return; }
    saving = true;
    var data = new FormData(form);
    data.delete("file");
    data.set("action", "save");
    fetch(form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Autosave": "1" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (result) {
      status.textContent = result.format_errors
        ? result.saved_at + " に保存しました（形式が正しくない項目は保存していません）"
        : result.saved_at + " に下書きを自動保存しました";
    }).catch(function () {
      status.textContent = "自動保存できませんでした。「下書きを保存する」を押してください。";
    }).finally(function () { saving = false; });
  }

  form.addEventListener("input", function (event) {
    if (event.target.type === "file") { return; }
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  });
})();
