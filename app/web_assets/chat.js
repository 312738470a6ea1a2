// The web chat. Served inline (with its hash in the CSP), so it makes no request of its
// own. The conversation token lives only in this closure: no cookie, no storage of any kind.
(function () {
  "use strict";
  var root = document.documentElement;
  var body = document.body;
  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var chat = document.getElementById("chat");
  var list = document.getElementById("messages");
  var input = document.getElementById("message-input");
  var form = document.getElementById("chat-form");
  var safety = document.getElementById("safety");
  var notice = document.getElementById("chat-notice");
  var eraseButton = document.getElementById("erase");
  var eraseBox = document.getElementById("erase-confirm");
  var eraseYes = document.getElementById("erase-yes");
  var eraseNo = document.getElementById("erase-no");
  var codeEntry = document.getElementById("code-entry");
  var codeToggle = document.getElementById("code-toggle");
  var codeForm = document.getElementById("code-form");
  var codeInput = document.getElementById("code-input");
  var codeStatus = document.getElementById("code-status");
  var token = null;
  // Tokens this page held before its current one (a conversation left idle is ended and the
  // page given a new token; a code brings another conversation in), kept only here: their
  // messages are still on the screen, so "delete this conversation" deletes them too.
  var earlier = [];
  var exited = false;
  var sending = Promise.resolve();  // settles once every message sent so far has its answer
  var erasing = null;               // while a deletion runs: settles when it has finished
  var asking = null;                // while the page asks the server for the delete question

  // Quick exit: blank the page first, then tell the server, then replace this history entry,
  // so Back does not return here and nothing of the chat stays on screen meanwhile.
  function quickExit(event) {
    if (exited) { return; }
    exited = true;
    // The event's own time stamp, so a slow path between the key and this code would show.
    var pressed = (event && event.timeStamp) ? event.timeStamp : performance.now();
    if (event && event.preventDefault) { event.preventDefault(); }
    root.setAttribute("data-exited", "");
    body.textContent = "";
    window.__exitTimings = { pressed: pressed, blanked: performance.now() };
    if (token && navigator.sendBeacon) {
      navigator.sendBeacon("/chat/exit", new Blob([token], { type: "text/plain" }));
    }
    window.location.replace(config.exitUrl);
  }

  // @include shift_three_times.js
  onShiftThreeTimes(quickExit);

  // Who is speaking: a line of words above each run of messages from the service (automatic)
  // or from a person (the chat poll says "from": "person"), so the two never look alike.
  var SPEAKERS = { "from-service": config.speakers.service,
                   "from-advocate": config.speakers.person };
  function add(text, who) {
    var speaker = who.split(" ")[0];
    var last = list.lastElementChild;
    var label = SPEAKERS[speaker];
    if (label && !(last && last.classList.contains(speaker))) {
      var line = document.createElement("li");
      line.className = "speaker " + speaker;
      line.textContent = label;
      list.appendChild(line);
    }
    var item = document.createElement("li");
    item.className = "message " + who;
    item.textContent = text;  // never innerHTML: replies may quote what was typed
    list.appendChild(item);
    // Scroll the list only: scrollIntoView could also move the panel and hide its top.
    list.scrollTop = list.scrollHeight;
    return item;
  }

  // With the on-screen keyboard open, some browsers (Safari) shrink only the visual viewport:
  // keep the panel inside it, so the exit button and the text box stay in sight, and switch
  // to the short-screen layout (chat.css) by the height the survivor can actually see. Not
  // while the survivor has pinch-zoomed, which must keep working as they expect.
  var viewport = window.visualViewport;
  var SHORT_REM = 32;
  function fitViewport() {
    var seen = window.innerHeight;
    if (viewport && Math.abs(viewport.scale - 1) < 0.01 &&
        viewport.height < window.innerHeight - 1) {
      seen = viewport.height;
      chat.style.top = viewport.offsetTop + "px";
      chat.style.bottom = "auto";
      chat.style.height = viewport.height + "px";
    } else {
      chat.style.top = "";
      chat.style.bottom = "";
      chat.style.height = "";
    }
    var rem = parseFloat(window.getComputedStyle(root).fontSize) || 16;
    var short = seen < SHORT_REM * rem;
    root.classList.toggle("short-screen", short);
    // On a phone the controls wrap, so that "delete this chat" is in sight; where that, in a
    // language with longer words, leaves the messages less than half of the height, they go
    // back to one sideways row (measured with the class off, so this never flips back and forth).
    if (!short && !chat.hidden && list.getBoundingClientRect().height < seen / 2) {
      root.classList.add("short-screen");
    }
    list.scrollTop = list.scrollHeight;
  }
  if (viewport) {
    viewport.addEventListener("resize", fitViewport);
    viewport.addEventListener("scroll", fitViewport);
  }
  window.addEventListener("resize", fitViewport);
  fitViewport();

  function post(path, payload) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function adopt(next) {
    if (token && next !== token && earlier.indexOf(token) < 0) { earlier.push(token); }
    token = next;
  }

  function ensureToken() {
    if (token) { return Promise.resolve(token); }
    return post("/chat/start", {}).then(function (result) {
      token = result.data.token;
      return token;
    });
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // An advocate's reply reaches the page when the page asks for it: every few seconds while a
  // conversation is open in this tab, and never after quick exit (the token is gone then).
  var POLL_MS = 4000;
  function poll() {
    if (!token) { return; }
    var asked = token;
    post("/chat/poll", { token: asked }).then(function (result) {
      if (asked !== token) { return; }  // the conversation was deleted meanwhile
      if (result.ok && result.data.replies) {
        var who = result.data.from === "person" ? "from-advocate" : "from-service";
        result.data.replies.forEach(function (reply) { add(reply, who); });
      }
    }).catch(function () { /* the next poll tries again */ });
  }
  window.setInterval(poll, POLL_MS);

  function send(text) {
    if (erasing) {
      // Typed while a deletion runs: this message belongs to the next conversation.
      erasing.then(function () { send(text); });
      return;
    }
    notice.textContent = "";
    leaveCodeEntry();
    var mine = add(text, "from-you");
    var answered = ensureToken().then(function (current) {
      return post("/chat/send", { token: current, id: randomId(), text: text,
                                  language: chat.lang,
                                  languageChosen: config.languageChosen === true });
    }).then(function (result) {
      if (!result.ok) {
        add(result.data.message || config.text.error, "from-service notice");
        return;
      }
      adopt(result.data.token);
      // A phone number the service withheld: the bubble shows the message as it was kept, so
      // the screen does not keep the number either.
      if (typeof result.data.shown === "string") { mine.textContent = result.data.shown; }
      if (result.data.notice) { add(result.data.notice, "from-service notice"); }
      result.data.replies.forEach(function (reply) { add(reply, "from-service"); });
      if (result.data.code) { showCode(result.data.code); }
      if (result.data.askNumber) { showNumberForm(result.data.askNumber); }
      if (result.data.numberSaved) { removeNumberForm(); }
    }).catch(function () {
      add(config.text.network, "from-service notice");
    });
    sending = Promise.all([sending, answered]);
  }

  // "Come back later": the code is shown once, here, and kept nowhere else: not in a cookie,
  // storage, the URL or the history; only in this element until the page is left.
  function showCode(code) {
    add(config.text.codeShown, "from-service");
    var item = list.lastElementChild;
    var words = document.createElement("strong");
    words.className = "code-words";
    words.textContent = code;
    item.appendChild(document.createTextNode("\n"));
    item.appendChild(words);
    if (config.text.codeHint) {
      item.appendChild(document.createTextNode("\n" + config.text.codeHint));
    }
    item.classList.add("code-shown");
    list.scrollTop = list.scrollHeight;
  }

  // "Text me" / "call me at a safe time": the chat's own form takes the safe number, never the
  // conversation (the advocate never sees it). No name, autocomplete off, posted by script and
  // emptied at once: nothing for the browser to remember, and nothing of it on the page after.
  function showNumberForm(words) {
    if (document.getElementById("number-form")) { return; }
    var item = document.createElement("li");
    item.id = "number-entry";
    item.className = "number-entry";
    var numberForm = document.createElement("form");
    numberForm.id = "number-form";
    numberForm.setAttribute("autocomplete", "off");
    var label = document.createElement("label");
    label.htmlFor = "number-input";
    label.textContent = words.label;
    label.dir = "auto";  // an English fallback in a right-to-left chat reads left to right
    var warning = document.createElement("p");
    warning.id = "number-warning";
    warning.textContent = words.warning;
    warning.dir = "auto";
    var box = document.createElement("input");
    box.id = "number-input";
    box.type = "text";
    [["inputmode", "tel"], ["autocomplete", "off"], ["autocorrect", "off"],
     ["spellcheck", "false"], ["maxlength", "40"], ["dir", "ltr"],
     ["aria-describedby", "number-warning"]].forEach(function (a) {
      box.setAttribute(a[0], a[1]);
    });
    var save = document.createElement("button");
    save.id = "number-submit";
    save.type = "submit";
    save.textContent = words.save;
    var status = document.createElement("p");
    status.id = "number-status";
    status.setAttribute("role", "status");
    status.dir = "auto";
    numberForm.append(label, warning, box, save, status);
    item.appendChild(numberForm);
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    numberForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var typed = box.value;
      box.value = "";
      if (!typed.trim()) { status.textContent = words.empty; return; }
      status.textContent = "";
      post("/chat/number", { token: token, number: typed, language: chat.lang })
        .then(function (result) {
          if (!result.ok) {
            status.textContent = result.data.message || config.text.error;
            return;
          }
          if (item.parentNode) { item.parentNode.removeChild(item); }
          add(result.data.message, "from-service notice");
          (result.data.replies || []).forEach(function (reply) { add(reply, "from-service"); });
          input.focus();
        }).catch(function () {
          status.textContent = config.text.network;
        });
    });
  }

  // The safe number was typed into the message box and saved from there (the server says
  // numberSaved): the form that asked for it goes, as after it saved the number itself.
  function removeNumberForm() {
    var entry = document.getElementById("number-entry");
    if (entry && entry.parentNode) { entry.parentNode.removeChild(entry); }
  }

  // "I have a code" belongs to the start screen: once a conversation is going it leaves.
  function leaveCodeEntry() {
    if (codeEntry && codeEntry.parentNode) { codeEntry.parentNode.removeChild(codeEntry); }
  }

  function resume(event) {
    event.preventDefault();
    var typed = codeInput.value;
    if (!typed.trim()) { codeStatus.textContent = config.text.codeEmpty; return; }
    codeStatus.textContent = "";
    post("/chat/resume", { code: typed, language: root.lang }).then(function (result) {
      if (!result.ok) {
        codeStatus.textContent = result.data.message || config.text.error;
        return;
      }
      codeInput.value = "";
      var before = token;
      adopt(result.data.token);
      if (before && before !== token && navigator.sendBeacon) {
        // The page's own unused conversation, if it had started one, ends here.
        navigator.sendBeacon("/chat/exit", new Blob([before], { type: "text/plain" }));
      }
      leaveCodeEntry();
      add(result.data.message, "from-service notice");
      result.data.replies.forEach(function (reply) { add(reply, "from-advocate"); });
      input.focus();
    }).catch(function () {
      codeStatus.textContent = config.text.network;
    });
  }

  // "Delete this conversation", confirmed in the page. Not window.confirm: a native dialog
  // stops this script, and quick exit (the button and Shift x3) must work at every moment.
  // For the same reason the question traps no focus: the exit button stays one Tab away.
  // The question must be true of what the delete will do, and that is the server's to say: a
  // safe number this page gave may have joined the chat since (its texts are deleted with
  // it) or been kept apart (its texts are not, and the question says how to delete them).
  var eraseQuestion = document.getElementById("erase-question");
  var eraseAsked = eraseQuestion.textContent;
  function showErase() {
    if (asking || erasing) { return; }
    // After the messages already on their way: one of them may have given the number.
    asking = sending.then(function () {
      if (!token) { return { ok: true, data: { question: eraseAsked } }; }  // nothing sent
      return post("/chat/erase/scope", { token: token, earlier: earlier, language: chat.lang });
    }).then(function (result) {
      if (exited) { return; }
      if (!result.ok || !result.data.question) {
        // No question we know to be true: none at all, and the survivor can press again.
        notice.textContent = result.data.message || config.text.error;
        return;
      }
      eraseQuestion.textContent = result.data.question;
      eraseBox.hidden = false;
      eraseButton.setAttribute("aria-expanded", "true");
      eraseQuestion.focus();
    }, function () {
      if (!exited) { notice.textContent = config.text.network; }
    }).then(function () { asking = null; });
  }

  function hideErase() {
    var wasInside = eraseBox.contains(document.activeElement) ||
                    document.activeElement === body;  // a disabled button drops focus to body
    eraseBox.hidden = true;
    eraseButton.setAttribute("aria-expanded", "false");
    if (wasInside) { eraseButton.focus(); }
  }

  function erase() {
    if (erasing) { return; }
    eraseYes.disabled = true;
    eraseNo.disabled = true;
    // After the messages already on their way, so none of them lands in a conversation
    // that the page has forgotten, or brings its token back.
    erasing = sending.then(function () {
      if (!token) { return { ok: true, data: {} }; }  // nothing was sent: nothing to delete
      return post("/chat/erase", { token: token, earlier: earlier, language: chat.lang });
    }).then(function (result) {
      if (!result.ok) {
        // The server could not delete it: say so and keep the token, so that "Yes" can be
        // pressed again; clearing the page now would claim a deletion that did not happen.
        notice.textContent = result.data.message || config.text.error;
        return;
      }
      // Deleted: nothing of this conversation stays on the page, and the next message
      // starts a new one.
      token = null;
      earlier = [];
      list.textContent = "";
      notice.textContent = result.data.message || notice.getAttribute("data-erased");
    }, function () {
      // The request never arrived: keep the token so the survivor can try again.
      notice.textContent = config.text.network;
    }).then(function () {
      erasing = null;
      eraseYes.disabled = false;
      eraseNo.disabled = false;
      if (!exited) { hideErase(); }
    });
  }

  function openChat(event) {
    if (event) { event.preventDefault(); }  // no "#ask" in the address bar or history
    chat.hidden = false;
    root.classList.add("chat-open");
    fitViewport();  // its layout is measured once it is drawn
    input.focus();
    ensureToken();
  }

  document.getElementById("open-chat").addEventListener("click", openChat);
  document.getElementById("quick-exit").addEventListener("click", quickExit);
  document.getElementById("close-chat").addEventListener("click", function () {
    chat.hidden = true;
    root.classList.remove("chat-open");
  });
  codeToggle.addEventListener("click", function () {
    codeForm.hidden = !codeForm.hidden;
    codeToggle.setAttribute("aria-expanded", codeForm.hidden ? "false" : "true");
    if (!codeForm.hidden) { codeInput.focus(); }
  });
  codeForm.addEventListener("submit", resume);
  eraseButton.addEventListener("click", showErase);
  eraseYes.addEventListener("click", erase);
  eraseNo.addEventListener("click", hideErase);
  eraseBox.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !erasing) {
      event.preventDefault();
      hideErase();
    }
  });
  document.getElementById("safety-open").addEventListener("click", function () {
    safety.hidden = !safety.hidden;
  });
  document.getElementById("safety-close").addEventListener("click", function () {
    safety.hidden = true;
    input.focus();
  });
  document.getElementById("language").addEventListener("change", function (event) {
    // The reload drops this page's token, so end its conversation on the server first.
    if (token && navigator.sendBeacon) {
      navigator.sendBeacon("/chat/exit", new Blob([token], { type: "text/plain" }));
    }
    // replace, not assign: choosing a language adds no history entry.
    window.location.replace("/?lang=" + encodeURIComponent(event.target.value));
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { add(config.text.empty, "from-service notice"); return; }
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  root.classList.add("js");
  // The CSS-only fallback opens the chat with #ask; with JavaScript the panel is toggled.
  if (window.location.hash === "#ask") {
    history.replaceState(null, "", window.location.pathname + window.location.search);
    openChat(null);
  }
})();
