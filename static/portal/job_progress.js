// Keeps a running dataset job's page current (templates/admin/anonymizer/datasetjob/change_form.html):
// every few seconds the page is fetched again and only its status and progress bar are replaced, so focus
// and reading position stay put (no <meta http-equiv="refresh">: WCAG 2.2.1). The person can stop and
// restart the updates (WCAG 2.2.2); when the job is no longer running they stop and the note says so.
// Without JavaScript the link "最新の状況を表示する" does the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("job-refresh");
  if (!box || !window.fetch || !window.DOMParser) { return; }
  var seconds = Number(box.getAttribute("data-refresh-seconds")) || 5;
  var note = box.querySelector("[data-refresh-note]");
  var button = box.querySelector("button[data-refresh-toggle]");
  var running = "進捗を" + seconds + "秒ごとに自動で更新しています。";
  var timer = null;
  var paused = false;

  function field(doc, name) {
    return doc.querySelector(".field-" + name + " .readonly");
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = paused ? null : window.setTimeout(poll, seconds * 1000);
  }

  function finish(message) {
    window.clearTimeout(timer);
    timer = null;
    note.textContent = message;
    button.hidden = true;
  }

  function poll() {
    fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      ["status", "progress_bar"].forEach(function (name) {
        var shown = field(document, name);
        var latest = field(fresh, name);
        if (shown && latest && shown.innerHTML !== latest.innerHTML) { shown.innerHTML = latest.innerHTML; }
      });
      if (fresh.getElementById("job-refresh")) {
        schedule();
      } else {
        finish("作成処理の実行が終わりました。「最新の状況を表示する」で結果を表示します。");
      }
    }).catch(function () {
      finish("最新の状況を取得できませんでした。「最新の状況を表示する」で画面を更新してください。");
    });
  }

  button.addEventListener("click", function () {
    paused = !paused;
    button.textContent = paused ? "自動更新を再開する" : "自動更新を止める";
    note.textContent = paused ? "自動更新を止めています。" : running;
    if (paused) { schedule(); } else { poll(); }
  });
  note.textContent = running;
  button.hidden = false;
  schedule();
}());
