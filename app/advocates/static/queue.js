// The live queue: polls the small JSON endpoint twice a second (a new case is on screen well
// within a second: bench/queue_latency.py), no reload, no third parties. In a hidden tab it
// asks every 10 s instead, and at once when the tab is shown again.
// Text from the server is only ever set with textContent, never parsed as HTML.
(function () {
  "use strict";
  var table = document.getElementById("queue");
  var body = table.querySelector("tbody");
  var status = document.getElementById("status");
  var source = table.getAttribute("data-source");
  var csrf = table.getAttribute("data-csrf");
  var INTERVAL_MS = 500;  // start to start, so a slow answer does not stretch the period
  // A tab nobody is looking at need not ask twice a second (thirty advocates with a few tabs
  // each add up); shown again, it asks at once, so nothing waits for the slow period.
  var HIDDEN_INTERVAL_MS = 10000;
  var timer = null;
  var inFlight = false;

  function waiting(seconds) {
    if (seconds < 60) { return seconds + " s"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + " min"; }
    return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min";
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function claimButton(item) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Claim";
    // Each row's button says which case it claims, for someone using a screen reader.
    button.setAttribute("aria-label", "Claim case " + item.reference);
    button.setAttribute("data-case", String(item.id));
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch("/advocates/cases/" + item.id + "/claim", {
        method: "POST", credentials: "same-origin",
        headers: {"X-CSRF-Token": csrf, "X-Requested-With": "fetch", "Accept": "application/json"}
      }).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      }).then(function (result) {
        if (result.ok) { window.location.assign(result.data.url); return; }
        status.textContent = result.data.error || "That did not work.";
        button.disabled = false;
      }).catch(function () {
        status.textContent = "Could not reach the server.";
        button.disabled = false;
      });
    });
    return button;
  }

  function link(href, text) {
    var anchor = document.createElement("a");
    anchor.href = href;
    anchor.textContent = text;
    return anchor;
  }

  // Which control in the table has the keyboard focus, so a redraw can give it back: without
  // this, every poll would drop a keyboard or screen-reader user's focus to the page's start.
  function focused() {
    var active = document.activeElement;
    if (!active || active === body || !body.contains(active)) { return null; }
    return {row: active.closest("tr").getAttribute("data-case"), text: active.textContent};
  }

  function refocus(was) {
    if (!was) { return; }
    Array.prototype.forEach.call(body.querySelectorAll("button, a"), function (control) {
      if (control.closest("tr").getAttribute("data-case") === was.row &&
          control.textContent === was.text) { control.focus(); }
    });
  }

  function render(cases) {
    var was = focused();
    var rows = document.createDocumentFragment();
    cases.forEach(function (item) {
      var row = document.createElement("tr");
      row.className = item.priority;
      row.setAttribute("data-case", String(item.id));
      cell(row, item.priority_words);
      var reference = cell(row, item.reference);
      if (item.unread) {
        // Survivor messages this advocate has not had on screen (see app/storage/viewings.py).
        reference.appendChild(document.createTextNode(" "));
        var flag = document.createElement("span");
        flag.className = "unread";
        flag.textContent = "new messages";
        reference.appendChild(flag);
        row.classList.add("has-unread");
      }
      var waited = cell(row, waiting(item.waiting_seconds));
      if (item.overdue) {
        // Past its target (app/casework/sla.py): said in words, not only by colour.
        row.className += " overdue";
        waited.textContent = item.overdue;
      }
      cell(row, item.language_words);
      cell(row, item.channel_words);
      cell(row, item.reasons_words + (item.flood_note ? "; " + item.flood_note : ""));
      cell(row, item.window_label);
      cell(row, item.claimed_by || "");
      var action = cell(row, "");
      if (item.status === "open" && item.can_claim) {
        action.appendChild(claimButton(item));
      } else if (item.mine) {
        var open = link(item.url, "Open");
        open.setAttribute("aria-label", "Open case " + item.reference +
                          (item.unread ? " (new messages)" : ""));
        action.appendChild(open);
      }
      if (item.manage_url && !item.mine) {
        action.appendChild(document.createTextNode(" "));
        action.appendChild(link(item.manage_url, "Manage"));
      }
      rows.appendChild(row);
    });
    body.replaceChildren(rows);
    refocus(was);
    var summary = cases.length + (cases.length === 1 ? " case" : " cases") + " waiting or in progress.";
    // A live region: rewriting it with the same words would have it read out on every poll.
    if (status.textContent !== summary) { status.textContent = summary; }
  }

  // The last full answer, its ETag and when it came. While nothing but the waiting times
  // would change, the server answers 304 with no body (app/advocates/queue_views.py): the
  // rows stay as they were and only their waiting times move on, by this page's clock.
  var last = null;

  function aged(cases, seconds) {
    return cases.map(function (item) {
      var copy = Object.assign({}, item);
      copy.waiting_seconds = item.waiting_seconds + seconds;
      return copy;
    });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delay);
  }

  function poll() {
    if (inFlight) { return; }
    inFlight = true;
    var started = Date.now();
    var headers = {"Accept": "application/json"};
    if (last) { headers["If-None-Match"] = last.etag; }
    fetch(source, {credentials: "same-origin", cache: "no-store", headers: headers})
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/advocates/login"); return null; }
        if (response.status === 304 && last) {
          return {cases: aged(last.cases, Math.floor((Date.now() - last.at) / 1000))};
        }
        var etag = response.headers.get("ETag");
        return response.json().then(function (data) {
          last = etag ? {etag: etag, cases: data.cases, at: Date.now()} : null;
          return data;
        });
      })
      .then(function (data) { if (data) { render(data.cases); } })
      .catch(function () { status.textContent = "Could not reach the server; retrying."; })
      .finally(function () {
        inFlight = false;
        schedule(document.hidden ? HIDDEN_INTERVAL_MS
                                 : Math.max(0, INTERVAL_MS - (Date.now() - started)));
      });
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !inFlight) { schedule(0); }
  });
  poll();
}());
