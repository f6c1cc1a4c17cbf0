/*
 * Signpost chat widget. Embed with one tag:
 *   <script src="https://signpost.example/widget.js" defer></script>
 * Optional attributes on that tag:
 *   data-server      the Signpost API's address (default: where widget.js came from)
 *   data-title       the chat's title (default "Signpost")
 *   data-exit-url    where "Exit this page" goes (default BBC Weather)
 *   data-advice-url  advice on covering your tracks (default: the server's /cover-your-tracks)
 *   data-open        "true" to show the chat open when the page loads
 *
 * It keeps the conversation in memory only: no cookies, localStorage, sessionStorage or
 * IndexedDB. All text from the server is set with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.signpostWidget) return;

  var config = script.dataset;
  var scriptUrl = new URL(script.src, document.baseURI);
  var server = (config.server ? new URL(config.server, document.baseURI).href : scriptUrl.origin)
    .replace(/\/+$/, "");
  var title = config.title || "Signpost";
  var exitUrl = webAddress(config.exitUrl, "https://www.bbc.co.uk/weather");
  var adviceUrl = webAddress(config.adviceUrl, server + "/cover-your-tracks");
  var REPLY_TIMEOUT_MS = 10000; // past this, the person sees 999 and the 24/7 lines, not a spinner
  var SHIFT_WINDOW_MS = 5000;

  var session = newSession();
  var held = null; // /widget/copy.json: the welcome, the "cleared" words and the offline answer
  var queue = Promise.resolve(); // one turn at a time, in order
  var unerased = []; // sessions "Clear this chat" could not erase on the server yet
  var exiting = false;

  // ---- Building blocks ---------------------------------------------------------------------
  function webAddress(value, fallback) {
    try {
      var url = new URL(value || fallback, document.baseURI);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function newSession() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // el("p", {class: "x"}, "text", child, [more]): strings become text nodes, never HTML.
  function el(tag, attributes) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    var children = Array.prototype.slice.call(arguments, 2);
    [].concat.apply([], children).forEach(function (child) {
      if (child !== null && child !== undefined) node.append(child);
    });
    return node;
  }

  function hidden(text) {
    return el("span", { class: "sp-visually-hidden" }, text);
  }

  function request(path, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, REPLY_TIMEOUT_MS);
    var settings = Object.assign(
      { credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer", signal: controller.signal },
      options || {}
    );
    return fetch(server + path, settings).then(function (response) {
      clearTimeout(timer);
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  // ---- The widget's frame (in a shadow root, so the host page's styles don't reach in) -------
  var host = el("div", { id: "signpost-widget", lang: "en-GB" });
  var root = host.attachShadow({ mode: "open" });
  var frame = el("aside", { class: "sp-root", "aria-label": title + " chat", hidden: true });
  var stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  function reveal() { frame.hidden = false; }
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);
  root.append(stylesheet, frame);

  var launcher = el("button", {
    type: "button", class: "sp-launcher", "aria-expanded": "false", "aria-controls": "sp-panel",
    onclick: function () { openPanel(true); },
  }, "Chat with " + title);

  var exitButton = el("button", {
    type: "button", class: "sp-exit", onclick: function () { exitPage(); },
  }, "Exit this page");
  var hideButton = el("button", {
    type: "button", class: "sp-secondary", onclick: closePanel,
  }, "Hide chat");
  var clearButton = el("button", {
    type: "button", class: "sp-secondary", onclick: clearChat,
  }, "Clear this chat");

  var alertBox = el("div", { class: "sp-alert", hidden: true },
    el("p", { class: "sp-alert-text" }, el("strong", {}, "In danger now?")),
    el("a", { class: "sp-call sp-call--alert", href: "tel:999" }, "Call 999")
  );
  var log = el("div", {
    class: "sp-log", id: "sp-log", role: "log", "aria-labelledby": "sp-log-title",
    "aria-live": "polite", "aria-relevant": "additions", "aria-atomic": "false", tabindex: "0",
  });
  var replying = el("p", { class: "sp-replying", role: "status" });
  var input = el("input", {
    id: "sp-input", class: "sp-input", type: "text", name: "message", autocomplete: "off",
    autocapitalize: "sentences", enterkeyhint: "send", maxlength: "2000",
  });
  var form = el("form", { class: "sp-form", novalidate: true, onsubmit: onSubmit },
    el("label", { for: "sp-input", class: "sp-label" }, "Type your message"),
    el("div", { class: "sp-row" }, input, el("button", { type: "submit", class: "sp-send" }, "Send"))
  );
  var panel = el("div", { class: "sp-panel", id: "sp-panel", hidden: true },
    el("div", { class: "sp-header" },
      el("h2", { class: "sp-title", id: "sp-title" }, title),
      exitButton
    ),
    el("p", { class: "sp-exit-note" },
      "Or press Shift 3 times. This does not clear your browser history. ",
      el("a", { href: adviceUrl, target: "_blank", rel: "noopener noreferrer" },
        "Cover your tracks online", hidden(" (opens in a new tab)"))
    ),
    alertBox,
    el("h3", { class: "sp-visually-hidden", id: "sp-log-title" }, "Conversation"),
    log,
    replying,
    form,
    el("div", { class: "sp-footer" }, clearButton, hideButton)
  );
  // Announces the Shift count (like GOV.UK's "Exit this page"), whether or not the chat is open.
  var shiftStatus = el("p", { class: "sp-shift-status", role: "status" });
  frame.append(launcher, panel, shiftStatus);

  function openPanel(focus) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    if (focus) input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  // ---- Messages ----------------------------------------------------------------------------
  function capitalise(text) {
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  // The server writes each helpline's line as "Name: call 0808 … (open now until 5pm)"; the
  // words in brackets are its status, worded in one place (api/rendering.py).
  function statusOf(line, text) {
    var found = /\(([^()]*)\)\s*$/.exec(text || "");
    if (found) return found[1];
    if (line.always_open) return "open 24 hours";
    if (line.open_now) return "open now";
    return line.hours || "";
  }

  function contactLinks(line) {
    var links = [];
    if (line.phone) {
      links.push(el("a", { href: "tel:" + line.phone.replace(/[^\d+]/g, "") }, "Call " + line.phone));
    }
    if (line.out_of_hours_phone) {
      links.push(el("a", { href: "tel:" + line.out_of_hours_phone.replace(/[^\d+]/g, "") },
        "Out of hours, call " + line.out_of_hours_phone +
        (line.out_of_hours_note ? " (" + line.out_of_hours_note + ")" : "")));
    }
    if (line.text) {
      links.push(el("a", { href: "sms:" + line.text.replace(/[^\d+]/g, "") }, "Text " + line.text));
    }
    if (line.email && /^[^\s@<>"]+@[^\s@<>"]+$/.test(line.email)) {
      links.push(el("a", { href: "mailto:" + line.email }, "Email " + line.email));
    }
    if (line.webchat && /^https?:\/\//i.test(line.webchat)) {
      links.push(el("a", { href: line.webchat, target: "_blank", rel: "noopener noreferrer" },
        "Web chat", hidden(" with " + line.name + " (opens in a new tab)")));
    }
    return el("ul", { class: "sp-contacts" }, links.map(function (link) {
      return el("li", {}, link);
    }));
  }

  function helplineCard(line, text) {
    var status = statusOf(line, text);
    var state = /^open/i.test(status) ? "open" : /^closed/i.test(status) ? "closed" : "check";
    var card = el("li", { class: "sp-line" },
      el("p", { class: "sp-line-name" }, line.name),
      el("p", { class: "sp-line-status sp-line-status--" + state }, capitalise(status))
    );
    card.append(contactLinks(line));
    if (line.notes) card.append(el("p", { class: "sp-line-notes" }, line.notes));
    return card;
  }

  function botMessage(message, lines) {
    var kind = ["emergency", "helplines", "question", "info"].indexOf(message.kind) >= 0
      ? message.kind : "info";
    var texts = String(message.text || "").split("\n");
    var box = el("div", { class: "sp-msg sp-msg--bot sp-msg--" + kind },
      el("p", { class: "sp-lead" }, hidden("Signpost: "), texts[0]));
    if (kind === "emergency") box.append(el("a", { class: "sp-call", href: "tel:999" }, "Call 999"));
    var ids = (message.helplines || []).filter(function (id) { return lines[id]; });
    if (ids.length) {
      box.append(el("ul", { class: "sp-lines" }, ids.map(function (id, i) {
        return helplineCard(lines[id], texts[i + 1]);
      })));
      texts = texts.slice(ids.length + 1);
    } else {
      texts = texts.slice(1);
    }
    texts.forEach(function (text) { if (text) box.append(el("p", {}, text)); });
    var buttons = message.buttons || [];
    if (buttons.length) {
      box.append(el("div", { class: "sp-buttons", role: "group", "aria-label": "Choose a reply" },
        buttons.map(function (button) {
          return el("button", {
            type: "button", class: "sp-choice",
            onclick: function () { send(String(button.payload), String(button.title), true); },
          }, String(button.title));
        })));
    }
    return box;
  }

  function showReply(reply, focusButtons) {
    var lines = {};
    (reply.helplines || []).forEach(function (line) { lines[line.id] = line; });
    var turn = el("div", { class: "sp-turn" });
    (reply.messages || []).forEach(function (message) { turn.append(botMessage(message, lines)); });
    log.append(turn);
    var danger = reply.safety === "emergency" || (reply.messages || []).some(function (m) {
      return m.kind === "emergency";
    });
    if (danger) alertBox.hidden = false;
    // Show the person's own words at the top, then as much of the answer as fits.
    var asked = turn.previousElementSibling;
    scrollToShow(asked && asked.classList.contains("sp-msg--user") ? asked : turn);
    var firstChoice = turn.querySelector(".sp-choice");
    if (focusButtons) (firstChoice || input).focus({ preventScroll: true });
  }

  function scrollToShow(node) {
    [log, panel].forEach(function (box) {
      if (box.scrollHeight > box.clientHeight) {
        var offset = node.getBoundingClientRect().top - box.getBoundingClientRect().top;
        box.scrollTop += offset - 8;
      }
    });
  }

  function showUser(text, holdFocus) {
    var mine = el("div", { class: "sp-msg sp-msg--user", tabindex: holdFocus ? "-1" : null },
      el("p", {}, hidden("You: "), text));
    log.append(mine);
    scrollToShow(mine);
    // The button pressed is about to go: focus waits on the choice it made, not on nothing.
    if (holdFocus) mine.focus({ preventScroll: true });
  }

  // Old choices go once the person answers: focus never lands on a question already past.
  function retireChoices() {
    Array.prototype.forEach.call(log.querySelectorAll(".sp-buttons"), function (group) {
      group.remove();
    });
  }

  // The answer when the server can't be reached: the copy held since the widget loaded.
  function offlineReply() {
    if (held && held.offline) return held.offline;
    // Only if even the copy never arrived (the server was down from the start).
    return {
      safety: "emergency", helplines: [],
      messages: [{ kind: "emergency", text: "Signpost can't connect. If you're in danger, call 999." }],
    };
  }

  function showWelcome(onlyQuestions) {
    if (!held || !held.welcome) return;
    var welcome = Object.assign({}, held.welcome);
    if (onlyQuestions) {
      welcome.messages = welcome.messages.filter(function (m) { return (m.buttons || []).length; });
    }
    showReply(welcome, false);
  }

  // ---- Talking to the server -----------------------------------------------------------------
  function onSubmit(event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text, false);
  }

  function send(text, shownAs, fromButton) {
    retireChoices();
    showUser(shownAs, fromButton);
    var forSession = session;
    queue = queue.then(function () { return turn(forSession, text, fromButton); });
  }

  function turn(forSession, text, fromButton) {
    var slow = setTimeout(function () { replying.textContent = title + " is replying…"; }, 1000);
    return request("/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: forSession, text: text }),
    }).then(function (reply) {
      if (!reply || !Array.isArray(reply.messages)) throw new Error("unexpected reply");
      retryErasing();
      return reply;
    }).catch(function () {
      return offlineReply();
    }).then(function (reply) {
      clearTimeout(slow);
      replying.textContent = "";
      // A reply to a chat that was cleared (or left) since is not shown.
      if (forSession === session && !exiting) showReply(reply, fromButton);
    });
  }

  function erase(id) {
    return request("/chat/" + encodeURIComponent(id), { method: "DELETE" }).then(function (result) {
      if (!result || !result.erased) throw new Error("not erased");
      return true;
    });
  }

  function retryErasing() {
    unerased.splice(0).forEach(function (id) {
      erase(id).catch(function () { unerased.push(id); });
    });
  }

  function clearChat() {
    var old = session;
    session = newSession();
    log.replaceChildren();
    alertBox.hidden = true;
    input.value = "";
    input.focus();
    // After any turn still on its way, so the server can't re-create what was just erased.
    queue = queue.then(function () {
      return erase(old).then(function () { return true; }, function () {
        unerased.push(old);
        return false;
      });
    }).then(function (erased) {
      if (old === session || exiting) return;
      var words = erased && held ? held.cleared
        : "This chat is cleared from this screen. The server could not be reached to delete it " +
          "there yet; it will be tried again.";
      log.append(el("div", { class: "sp-msg sp-msg--bot sp-msg--info" },
        el("p", { class: "sp-lead" }, hidden("Signpost: "), words)));
      showWelcome(true);
    });
  }

  // ---- Quick exit (GOV.UK "Exit this page": the button, or Shift 3 times in 5 seconds) --------
  function exitPage() {
    if (exiting) return;
    exiting = true;
    session = "";
    log.replaceChildren();
    // Blank the page at once, then replace this page in the history with a neutral one.
    document.body.replaceChildren();
    document.title = "";
    window.location.replace(exitUrl);
  }

  var shiftPresses = 0;
  var shiftTimer = null;
  var shiftWasModifier = false;

  function resetShift(expired) {
    clearTimeout(shiftTimer);
    shiftTimer = null;
    shiftPresses = 0;
    shiftStatus.textContent = expired ? "Exit this page expired." : "";
    if (expired) setTimeout(function () { shiftStatus.textContent = ""; }, 3000);
  }

  document.addEventListener("keydown", function (event) {
    // Shift held to type a capital is not a press towards the exit.
    if (event.key !== "Shift" && event.shiftKey) shiftWasModifier = true;
  }, true);

  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") return;
    if (shiftWasModifier) {
      shiftWasModifier = false;
      return;
    }
    shiftPresses += 1;
    if (!shiftTimer) shiftTimer = setTimeout(function () { resetShift(true); }, SHIFT_WINDOW_MS);
    if (shiftPresses >= 3) {
      resetShift(false);
      exitPage();
      return;
    }
    var left = 3 - shiftPresses;
    shiftStatus.textContent = "Shift, press " + left + " more time" + (left === 1 ? "" : "s") +
      " to exit.";
  }, true);

  // ---- Start ---------------------------------------------------------------------------------
  document.body.append(host);
  window.signpostWidget = { version: 1 };
  if (config.open === "true") openPanel(false);
  request("/widget/copy.json").then(function (copy) {
    held = copy;
    if (!log.childElementCount) showWelcome(false);
  }).catch(function () { /* offlineReply() still gives 999 */ });
})();
