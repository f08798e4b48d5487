// Progressive enhancement: the job page updates itself while the job runs. Without JavaScript the
// "Check progress" button reloads it. Nothing here is needed to read or download the result.
const box = document.getElementById("job-progress");

function text(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h ? `${h} h ${m} min` : (m ? `${m} min ${s} s` : `${s} s`);
}

function set(name, value) {
  const el = box.querySelector(`[data-field="${name}"]`);
  if (el) el.textContent = value;
}

async function poll() {
  let data;
  try {
    const response = await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return;
    data = await response.json();
  } catch (e) {
    setTimeout(poll, 5000);
    return;
  }
  set("status_text", data.status_text);
  set("done", data.done);
  set("percent", data.percent);
  set("current", data.current || "–");
  set("elapsed", text(data.elapsed_seconds));
  set("remaining", text(data.remaining_seconds));
  set("failed", data.failed);
  const bar = box.querySelector("progress");
  if (bar) bar.value = data.percent;
  if (data.status === "queued" || data.status === "running") {
    setTimeout(poll, 2000);
  } else {
    set("announce", `${data.status_text}. Reloading the page.`);
    window.location.reload();
  }
}

if (box && (box.dataset.status === "queued" || box.dataset.status === "running")) {
  setTimeout(poll, 1500);
}
