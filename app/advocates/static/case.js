// The live case page: asks the server what is new about this case once a second and adds it
// in place (new messages, reply states, the case's status), no reload, no third parties. In a
// hidden tab it asks every 10 s instead, and at once when the tab is shown again.
// Each tab keeps its own state in this closure and reads its own case's address from its own
// page, so a poll in one tab never writes into another. Text from the server is only ever set
// with textContent, never parsed as HTML.
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list) { return; }
  var box = document.getElementById("transcript-box");
  var status = document.getElementById("live-status");
  var source = list.getAttribute("data-live");
  var interval = parseInt(list.getAttribute("data-interval"), 10) || 1000;
  var count = parseInt(list.getAttribute("data-count"), 10) || 0;
  var baseTitle = document.title;
  var unseen = 0;
  var stopped = false;
  // A tab nobody is looking at need not ask every second; shown again, it asks at once.
  var HIDDEN_INTERVAL_MS = 10000;
  var timer = null;
  var inFlight = false;

  function text(tag, className, value) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    node.textContent = value;
    return node;
  }

  // The same structure as the message_item macro in case.html.
  function messageItem(m) {
    var item = document.createElement("li");
    item.className = "message " + m.kind;
    item.setAttribute("data-message", m.id);
    if (m.kind === "automated") {
      var details = document.createElement("details");
      var summary = document.createElement("summary");
      summary.appendChild(text("span", "who", "Automated:"));
      summary.appendChild(document.createTextNode(" " + m.summary + " "));
      summary.appendChild(text("span", "at", m.at));
      details.appendChild(summary);
      details.appendChild(text("p", "body", m.body));
      item.appendChild(details);
      return item;
    }
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.appendChild(text("span", "who", m.who));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(text("span", "at", m.at));
    item.appendChild(meta);
    item.appendChild(text("p", "body", m.body));
    if (m.reply) {
      var delivery = text("p", "delivery", "Reply " + m.delivery);
      delivery.setAttribute("data-reply", String(m.reply));
      item.appendChild(delivery);
    }
    return item;
  }

  function nearBottom() {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  }

  function shown(id) {
    return list.querySelector('li[data-message="' + id + '"]') !== null;
  }

  function say(words) {
    // A live region: rewriting it with the same words would have it read out again.
    if (status.textContent !== words) { status.textContent = words; }
  }

  function setTitle() {
    document.title = (unseen > 0 ? "(" + unseen + " new) " : "") + baseTitle;
  }

  function apply(data) {
    var follow = nearBottom();
    var duplicate = false;
    data.messages.forEach(function (m) {
      if (shown(m.id)) { duplicate = true; return; }
      list.appendChild(messageItem(m));
      if (m.kind === "survivor" && document.visibilityState !== "visible") { unseen += 1; }
    });
    if (duplicate) {
      // The order changed under us (two messages stored out of order): start again from the
      // beginning rather than risk missing one.
      list.replaceChildren();
      count = 0;
      return;
    }
    count = data.count;
    Object.keys(data.deliveries).forEach(function (replyId) {
      var line = list.querySelector('[data-reply="' + replyId + '"]');
      var words = "Reply " + data.deliveries[replyId];
      if (line && line.textContent !== words) { line.textContent = words; }
    });
    var caseStatus = document.getElementById("case-status");
    if (caseStatus.textContent !== data.status_words) { caseStatus.textContent = data.status_words; }
    var gate = document.getElementById("gate");
    if (gate.textContent !== data.gate) { gate.textContent = data.gate; }
    applyCalls(data);
    if (follow && data.messages.length) { box.scrollTop = box.scrollHeight; }
    setTitle();
    say("");
  }

  // The safe call-back section (_contact.html): each call's state (ringing, answered, no
  // answer) and whether a call may be placed now, as they change.
  function applyCalls(data) {
    var calls = document.getElementById("calls");
    if (!calls || !data.calls) { return; }
    var window_ = document.getElementById("call-window");
    if (window_ && window_.textContent !== data.call_window) {
      window_.textContent = data.call_window;
    }
    var previous = null;
    data.calls.forEach(function (c) {
      var item = calls.querySelector('li[data-call="' + c.id + '"]');
      if (!item) {
        item = text("li", "", c.line);
        item.setAttribute("data-call", String(c.id));
        calls.insertBefore(item, previous ? previous.nextSibling : calls.firstChild);
      } else if (item.textContent !== c.line) {
        item.textContent = c.line;
      }
      previous = item;
    });
    var heading = document.getElementById("calls-heading");
    if (heading) { heading.hidden = data.calls.length === 0; }
    calls.hidden = data.calls.length === 0;
  }

  function withdraw() {
    list.replaceChildren();
    var composer = document.getElementById("composer");
    if (composer) { composer.remove(); }
    // The side column holds the survivor's choices, notes, risk answers and referrals: as
    // much the case as the transcript, so it goes too.
    var side = document.querySelector(".case-side");
    if (side) { side.replaceChildren(); }
  }

  function stop(words) {
    stopped = true;
    // Not a quiet aside any more: the advocate must see that this page no longer follows
    // the case (staff.css, .live-stopped).
    status.classList.remove("quiet");
    status.classList.add("live-stopped");
    say(words);
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delay);
  }

  function poll() {
    if (stopped || inFlight) { return; }
    inFlight = true;
    var started = Date.now();
    var seen = document.visibilityState === "visible" ? "1" : "0";
    var url = source + (source.indexOf("?") < 0 ? "?" : "&") + "after=" + count + "&seen=" + seen;
    fetch(url, {credentials: "same-origin",
                headers: {"Accept": "application/json", "X-Requested-With": "fetch"}})
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/advocates/login"); return null; }
        if (response.status >= 500) { throw new Error("server"); }  // passing: ask again
        // A refusal that is not JSON (a proxy's page, say) still stops the page, by status.
        var body = response.ok ? response.json() : response.json().catch(function () { return {}; });
        return body.then(function (data) {
          if (!response.ok) {
            if (response.status === 403 || response.status === 410) {
              // No longer this advocate's to read (released, given to someone else), or the
              // survivor deleted the conversation: take what was shown off the screen too.
              withdraw();
            }
            stop(data.error || "This case stopped updating; reload the page.");
            return null;
          }
          return data;
        });
      })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { say("Could not reach the server; retrying."); })
      .finally(function () {
        inFlight = false;
        if (!stopped) {
          schedule(document.hidden ? HIDDEN_INTERVAL_MS
                                   : Math.max(0, interval - (Date.now() - started)));
        }
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      unseen = 0;
      setTitle();
      if (!stopped && !inFlight) { schedule(0); }
    }
  });
  box.scrollTop = box.scrollHeight;
  // On a phone the reply box sticks to the bottom of the screen: bring the newest messages up
  // to just above it, rather than leave them under it until the page is scrolled.
  var composer = document.getElementById("composer");
  if (composer && window.matchMedia("(max-width: 50rem)").matches && !window.location.hash) {
    box.scrollIntoView({block: "end"});
    window.scrollBy(0, composer.offsetHeight);
  }
  schedule(interval);
}());
