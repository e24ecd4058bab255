// "New since your last visit" (see the README). Kept in this browser only: localStorage holds
// the newest published time the reader has seen on this site, sessionStorage (one per tab)
// the mark this visit compares against, so entries stay marked while the reader browses.
// Nothing is sent anywhere. The keys carry the site's base path: several digests on one host
// keep their own marks.
(function () {
  "use strict";
  var box = document.getElementById("new-since");
  if (!box) return;
  var local, session;
  try {
    local = window.localStorage;
    session = window.sessionStorage;
    local.getItem("x");
  } catch (e) {
    return; // storage blocked: the page stays as it is without JavaScript
  }
  var key = "digest-new:" + box.getAttribute("data-base");
  var visitKey = key + ":visit";
  var entries = Array.prototype.slice.call(document.querySelectorAll("[data-published]"));
  var times = entries.map(function (el) { return Date.parse(el.getAttribute("data-published")); });
  var newest = Math.max.apply(null, times.filter(function (t) { return !isNaN(t); }).concat([0]));
  var stored = Number(local.getItem(key)) || 0;

  var mark = session.getItem(visitKey);
  if (mark === null) {
    // A new visit: what the reader had seen until now is what this visit compares against.
    mark = String(stored);
    session.setItem(visitKey, mark);
  }
  mark = Number(mark) || 0;
  if (newest > stored) local.setItem(key, String(newest));

  function clear() {
    entries.forEach(function (el) {
      el.removeAttribute("data-new");
      var badge = el.querySelector(".new-badge");
      if (badge) badge.parentNode.removeChild(badge);
    });
    box.hidden = true;
  }

  // A first visit (no mark yet) marks nothing.
  if (!mark) return;
  var seen = {};
  var count = 0;
  entries.forEach(function (el, i) {
    if (!(times[i] > mark)) return;
    el.setAttribute("data-new", "");
    var badge = document.createElement("span");
    badge.className = "new-badge";
    badge.textContent = box.getAttribute("data-badge");
    var title = el.querySelector("h3") || el.querySelector("a");
    if (title) title.parentNode.insertBefore(badge, title.nextSibling);
    // An article listed twice on a page (in two topics of a day) counts once.
    var link = el.querySelector("a");
    var id = link ? link.getAttribute("href") : String(i);
    if (!seen[id]) {
      seen[id] = true;
      count += 1;
    }
  });
  if (!count) return;

  var lang = document.documentElement.lang || "en";
  var category = "other";
  var number = String(count);
  try {
    category = new Intl.PluralRules(lang).select(count);
    number = new Intl.NumberFormat(lang).format(count);
  } catch (e) {}
  var text = box.getAttribute("data-count-" + category) || box.getAttribute("data-count-other");
  box.hidden = false;
  box.querySelector(".new-count").textContent = text.replace("{count}", number);
  box.querySelector(".new-mark-seen").addEventListener("click", function () {
    var now = Math.max(newest, Number(local.getItem(key)) || 0);
    local.setItem(key, String(now));
    session.setItem(visitKey, String(now));
    clear();
  });
})();
