// The staff console: have a conversation on a chosen channel and clock, see what the bot made
// of each message, and save it as a flow scenario (the YAML format of tests/flows/).
// The staff token lives in this closure only: never in storage, cookies or the address.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { token: "", channel: "web", at: null, sender: "", turns: [] };

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : String(child));
      }
    }
    return node;
  }

  function randomDigits(n) {
    const values = crypto.getRandomValues(new Uint8Array(n));
    return Array.from(values, (v) => String(v % 10)).join("");
  }

  // The wall-clock time typed in (UK time) as ISO 8601 with London's offset on that date.
  function londonOffsetMinutes(date) {
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London", hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(date);
    const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    return Math.round((asUtc - date.getTime()) / 60000);
  }
  function londonIso(local) {
    const [day, time] = local.split("T");
    const [y, m, d] = day.split("-").map(Number);
    const [hh, mm] = time.split(":").map(Number);
    const guess = Date.UTC(y, m - 1, d, hh, mm);
    let offset = londonOffsetMinutes(new Date(guess));
    offset = londonOffsetMinutes(new Date(guess - offset * 60000));
    const pad = (n) => String(n).padStart(2, "0");
    const sign = offset >= 0 ? "+" : "-";
    const abs = Math.abs(offset);
    return `${day}T${pad(hh)}:${pad(mm)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }

  async function call(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${state.token}` },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
      throw new Error(`${path} answered ${response.status}: ${detail || "no detail"}`);
    }
    return data;
  }

  function newConversation() {
    state.channel = $("channel").value;
    state.at = $("clock").value ? londonIso($("clock").value) : null;
    state.sender = state.channel === "sms" ? "+447700" + randomDigits(9)
      : "console-" + randomDigits(16);
    state.turns = [];
    $("turns").replaceChildren();
    $("yaml").value = "";
    $("download").hidden = true;
    const when = state.at ? `at ${state.at}` : "at the time now";
    $("setup-note").textContent = `New ${state.channel === "sms" ? "SMS" : "web"} conversation, ${when}.`;
  }

  const flat = (text) => text.replace(/[‘’]/g, "'").toLowerCase();

  async function send(text, shownAs) {
    $("send").disabled = true;
    $("say-status").textContent = "Waiting for the bot…";
    try {
      const reply = { texts: [], buttons: [], segments: null, encoding: null };
      const body = { text };
      if (state.at) body.at = state.at;
      if (state.channel === "sms") {
        const sms = await call("/staff/sms", { sender: state.sender, ...body });
        reply.texts = sms.messages;
        reply.segments = sms.segments;
        reply.encoding = sms.encoding;
      } else {
        const chat = await call("/chat", { session: state.sender, ...body });
        reply.texts = chat.messages.map((m) => m.text);
        reply.buttons = chat.messages.flatMap((m) => m.buttons || []);
      }
      const seen = await call("/staff/inspect", { channel: state.channel, sender: state.sender });
      const whole = flat(reply.texts.join("\n"));
      // An SMS lists fewer lines than were matched, to fit: offered means named in the text.
      const offered = (seen.helplines || []).filter(
        (h) => state.channel !== "sms" || whole.includes(flat(h.name)));
      const turn = { user: text, shownAs, reply, seen, offered: offered.map((h) => h.id) };
      state.turns.push(turn);
      $("turns").append(renderTurn(turn, state.turns.length));
      $("say-status").textContent = "";
    } catch (error) {
      $("say-status").textContent = error.message;
    } finally {
      $("send").disabled = false;
    }
  }

  function renderTurn(turn, number) {
    const { reply, seen } = turn;
    const said = turn.shownAs ? `${turn.shownAs} (button: ${turn.user})` : turn.user;
    const item = el("li", { className: "turn" },
      el("p", { className: "user" }, el("strong", {}, `Turn ${number}. They said: `), said));
    const bot = el("div", { className: "bot" }, el("strong", {}, "The bot said:"));
    for (const text of reply.texts) bot.append(el("p", { className: "message" }, text));
    if (reply.buttons.length) {
      const row = el("p", { className: "buttons" });
      for (const button of reply.buttons) {
        const b = el("button", { type: "button", textContent: button.title });
        b.addEventListener("click", () => send(button.payload, button.title));
        row.append(b);
      }
      bot.append(row);
    }
    if (reply.segments !== null) {
      bot.append(el("p", { className: "hint" }, `${reply.segments} SMS segment(s), ${reply.encoding}`));
    }
    item.append(bot);
    const confidence = typeof seen.confidence === "number"
      ? ` (${Math.round(seen.confidence * 100)}%)` : "";
    const facts = el("dl", { className: "seen" },
      el("dt", {}, "Intent"), el("dd", {}, (seen.intent || "none") + confidence),
      el("dt", {}, "Safety"), el("dd", { className: `safety-${seen.safety}` }, seen.safety),
      el("dt", {}, "Audience"), el("dd", {}, seen.audience));
    if (seen.ranking && seen.ranking.length > 1) {
      const others = seen.ranking.slice(1).map((r) => `${r.name} ${Math.round(r.confidence * 100)}%`);
      facts.append(el("dt", {}, "Next guesses"), el("dd", {}, others.join(", ")));
    }
    if (seen.degraded) facts.append(el("dt", {}, "Degraded"), el("dd", {}, "yes: the safety answer"));
    if (seen.rasa_problem) facts.append(el("dt", {}, "Rasa"), el("dd", {}, seen.rasa_problem));
    item.append(facts);
    if (seen.helplines && seen.helplines.length) {
      const table = el("table", {}, el("caption", {}, "Helplines matched, and why"),
        el("tr", {}, el("th", {}, "Helpline"), el("th", {}, "Open now"), el("th", {}, "Why"),
          el("th", {}, "In the reply")));
      for (const h of seen.helplines) {
        const open = h.always_open ? "24 hours" : h.open_now === null ? "check" : h.open_now ? "yes" : "no";
        table.append(el("tr", {}, el("td", {}, el("code", {}, h.id)), el("td", {}, open),
          el("td", {}, h.why), el("td", {}, turn.offered.includes(h.id) ? "yes" : "no")));
      }
      item.append(table);
    }
    return item;
  }

  // YAML's double-quoted strings accept JSON's escapes, so JSON.stringify quotes safely.
  const q = (text) => JSON.stringify(text);

  function scenarioYaml() {
    const name = $("scenario-name").value.trim() || "Untitled scenario";
    const lines = [`- name: ${q(name)}`];
    if (state.channel === "sms") lines.push("  channel: sms");
    if (state.at) lines.push(`  at: ${q(state.at)}`);
    lines.push("  turns:");
    for (const turn of state.turns) {
      const comment = turn.shownAs ? `  # the button ${q(turn.shownAs)}` : "";
      lines.push(`    - user: ${q(turn.user)}${comment}`, "      expect:");
      lines.push(`        safety: ${turn.seen.safety}`, `        audience: ${turn.seen.audience}`);
      if (turn.seen.safety === "emergency" && turn.reply.texts.join(" ").includes("999")) {
        lines.push('        says: ["999"]');
      }
      if (turn.offered.length) lines.push(`        helplines: [${turn.offered.join(", ")}]`);
      if (turn.reply.segments) lines.push(`        max_segments: ${turn.reply.segments}`);
    }
    return lines.join("\n") + "\n";
  }

  function save() {
    if (!state.turns.length) {
      $("yaml").value = "# Have a conversation first: each turn becomes a turn of the scenario.";
      return;
    }
    const yaml = scenarioYaml();
    $("yaml").value = yaml;
    const link = $("download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([yaml], { type: "text/yaml" }));
    link.hidden = false;
  }

  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.token = $("token").value;
    $("token").value = "";
    try {
      await call("/staff/inspect", { channel: "web", sender: "token-check" });
    } catch (error) {
      state.token = "";
      $("token-status").textContent = "That token was not accepted. " + error.message;
      return;
    }
    $("token-form").hidden = true;
    $("console").hidden = false;
    newConversation();
    $("text").focus();
  });
  $("new").addEventListener("click", newConversation);
  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    send(text, null);
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("say").requestSubmit();
    }
  });
  $("save").addEventListener("click", save);
})();
