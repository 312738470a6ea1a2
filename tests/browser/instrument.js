// Added to every page before the page's own script runs (Playwright init script; it is
// injected by the browser, so the page's CSP does not apply to it). It watches and reports,
// through the `__qlRecord` binding, what the tests cannot see from outside:
//   title / icon  every tab title and icon the page ever had (a shoulder-surfer sees these);
//   storage       any attempt to store something: Web Storage, IndexedDB, Cache Storage, a
//                 service worker, a cookie set from script;
//   csp           any Content-Security-Policy violation (an attempt to load or run something
//                 the policy forbids, e.g. from another origin);
//   blank         the page's state when `data-exited` appeared on <html> and at the next
//                 animation frame, with the last input event before it (timestamps on the
//                 page's performance.now() clock), to measure quick exit independently.
(() => {
  "use strict";
  const record = (kind, detail) => {
    try { window.__qlRecord(kind, String(detail)); } catch (e) { /* binding gone: page unloading */ }
  };

  // Titles and icons.
  let lastTitle = null;
  let lastIcons = null;
  const look = () => {
    const title = document.title;
    if (title !== lastTitle) { lastTitle = title; record("title", title); }
    const icons = Array.from(document.querySelectorAll("link[rel~='icon' i]"),
                             (link) => link.href).join("\n");
    if (icons !== lastIcons) { lastIcons = icons; if (icons) { record("icon", icons); } }
  };
  new MutationObserver(look).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ["href", "rel"],
  });
  document.addEventListener("DOMContentLoaded", look);
  const titleProperty = Object.getOwnPropertyDescriptor(Document.prototype, "title");
  if (titleProperty && titleProperty.set) {
    Object.defineProperty(Document.prototype, "title", {
      configurable: true, enumerable: titleProperty.enumerable,
      get() { return titleProperty.get.call(this); },
      set(value) { record("title", value); titleProperty.set.call(this, value); },
    });
  }

  // Storage of any kind.
  const spy = (owner, name, label) => {
    if (!owner || typeof owner[name] !== "function") { return; }
    const original = owner[name];
    owner[name] = function (...args) { record("storage", label); return original.apply(this, args); };
  };
  spy(window.Storage && Storage.prototype, "setItem", "Storage.setItem (localStorage or sessionStorage)");
  spy(window.IDBFactory && IDBFactory.prototype, "open", "indexedDB.open");
  spy(window.CacheStorage && CacheStorage.prototype, "open", "caches.open");
  spy(window.ServiceWorkerContainer && ServiceWorkerContainer.prototype, "register",
      "navigator.serviceWorker.register");
  spy(window.CookieStore && CookieStore.prototype, "set", "cookieStore.set");
  const cookieProperty = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (cookieProperty && cookieProperty.set) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true, enumerable: cookieProperty.enumerable,
      get() { return cookieProperty.get.call(this); },
      set(value) { record("storage", "document.cookie set"); cookieProperty.set.call(this, value); },
    });
  }

  // Content-Security-Policy violations.
  document.addEventListener("securitypolicyviolation", (event) => {
    record("csp", `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"}`);
  });

  // Quick-exit timing, measured from the input event's own timestamp (same clock as
  // performance.now()) to the moment <html> gets data-exited.
  // `frames` counts rendering steps (an animation-frame callback runs in each, just before
  // the paint): the same count at the input and at the blank page means no frame was drawn
  // in between, whatever the machine's load.
  let frames = 0;
  const countFrame = () => { frames += 1; requestAnimationFrame(countFrame); };
  requestAnimationFrame(countFrame);
  let lastInput = null;
  for (const type of ["pointerdown", "mousedown", "mouseup", "click", "keydown", "keyup"]) {
    window.addEventListener(type, (event) => {
      lastInput = { type, key: event.key || null, at: event.timeStamp, frames };
    }, true);
  }
  // The state is reported through the binding rather than read by the test: while a
  // navigation to another site is pending, Chromium holds DevTools commands to the page, so
  // the test cannot evaluate anything in it until the exit page has replaced it.
  const snapshot = () => {
    const root = document.documentElement;
    const chat = document.getElementById("chat");
    return {
      exited: root.hasAttribute("data-exited"),
      visibleText: document.body ? document.body.innerText : "",
      allText: root.textContent,
      chatVisible: !!chat && chat.checkVisibility(),
      timings: window.__exitTimings || null,
      location: location.href,
    };
  };
  let blanked = false;
  new MutationObserver(() => {
    const root = document.documentElement;
    if (blanked || !root || !root.hasAttribute("data-exited")) { return; }
    blanked = true;
    const observed = performance.now();
    // Microtask after the page's exit handler: its work in that task is done.
    record("blank", JSON.stringify({ ...snapshot(), input: lastInput, observed, frames }));
    requestAnimationFrame(() => {
      record("blank-frame", JSON.stringify({ ...snapshot(), input: lastInput,
                                            frame: performance.now() }));
    });
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-exited"] });
})();
