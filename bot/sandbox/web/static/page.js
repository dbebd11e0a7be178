// The sandbox page: polls /api/state and swaps in the HTML pieces that changed; every click,
// reaction, command and modal submit is POSTed to the page's server, which acts through the
// Slack emulator (signed requests to the bot, as Slack sends them).
(function () {
  "use strict";
  const body = document.body;
  const picker = document.getElementById("as-user");
  const notice = document.getElementById("notice");
  const messages = document.getElementById("messages");
  const layer = document.getElementById("modal-layer");
  const shown = { sidebar: null, header: null, messages: null };
  let current = { as: body.dataset.as, channel: body.dataset.channel };
  let polling = null;

  function say(text, ok) {
    notice.textContent = text || "";
    notice.className = ok ? "ok" : "";
  }

  function remember() {
    const url = new URL(window.location.href);
    url.searchParams.set("as", current.as);
    url.searchParams.set("c", current.channel);
    history.replaceState(null, "", url);
  }

  function swap(id, html) {
    if (shown[id] === html) return;
    const el = document.getElementById(id === "header" ? "channel-header" : id);
    const pinned = id !== "messages" || messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    el.innerHTML = html;
    shown[id] = html;
    if (id === "messages" && pinned) messages.scrollTop = messages.scrollHeight;
  }

  async function refresh() {
    const query = new URLSearchParams({ as: current.as, c: current.channel });
    let state;
    try {
      const answer = await fetch("/api/state?" + query.toString(), { cache: "no-store" });
      state = await answer.json();
    } catch (error) {
      say("The sandbox is not answering (stopped?)");
      return;
    }
    current.channel = state.channel;
    body.dataset.channel = state.channel;
    body.dataset.as = state.viewer;
    picker.value = state.viewer;
    document.getElementById("composer").hidden = state.channel === "home";
    swap("sidebar", state.sidebar);
    swap("header", state.header);
    swap("messages", state.messages);
    if (layer.dataset.key !== state.modal_key) {
      layer.dataset.key = state.modal_key;
      layer.innerHTML = state.modal;
      layer.hidden = !state.modal;
      const first = layer.querySelector("input, textarea, select");
      if (first) first.focus();
    }
  }

  async function act(path, payload) {
    const answer = await fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ as: current.as, channel: current.channel }, payload)),
    });
    let result = { ok: answer.ok };
    try { result = await answer.json(); } catch (error) { /* not JSON */ }
    say(result.ok ? "" : (result.error || "That did not work"), result.ok);
    await refresh();
    return result;
  }

  function open(channel, as) {
    current.channel = channel;
    if (as) current.as = as;
    remember();
    if (channel === "home") act("/api/home", {});
    shown.messages = null;
    refresh();
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest("a.channel, a.channel-link");
    if (link && link.dataset.channel) {
      event.preventDefault();
      open(link.dataset.channel, link.dataset.as);
      return;
    }
    const reaction = event.target.closest("button.reaction");
    if (reaction) {
      const message = reaction.closest(".message");
      act("/api/react", { ts: message.dataset.ts, emoji: reaction.dataset.emoji });
      return;
    }
    const button = event.target.closest("button.block-button");
    if (button) {
      const view = button.closest("[data-view-id]");
      const message = button.closest(".message");
      button.disabled = true;
      act("/api/click", {
        view_id: view ? view.dataset.viewId : null, ts: message ? message.dataset.ts : null,
        action_id: button.dataset.actionId, block_id: button.dataset.blockId,
        value: button.dataset.value === undefined ? null : button.dataset.value,
      });
      return;
    }
    const close = event.target.closest(".modal-close");
    if (close) {
      act("/api/view/close", { view_id: close.closest("form.modal").dataset.viewId });
    }
  });

  document.addEventListener("change", function (event) {
    const select = event.target.closest("select.block-select");
    if (!select || !select.value) return;
    const view = select.closest("[data-view-id]");
    const message = select.closest(".message");
    act("/api/click", {
      view_id: view ? view.dataset.viewId : null, ts: message ? message.dataset.ts : null,
      action_id: select.dataset.actionId, block_id: select.dataset.blockId, value: select.value,
    });
  });

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    event.preventDefault();
    if (form.id === "composer") {
      const input = document.getElementById("command");
      const text = input.value.trim();
      if (!text) return;
      input.disabled = true;
      say("sending…", true);
      const result = await act("/api/command", { text: text });
      input.disabled = false;
      if (result.ok) input.value = "";
      input.focus();
    } else if (form.classList.contains("modal")) {
      const values = {};
      for (const field of form.querySelectorAll("[name]")) values[field.name] = field.value;
      await act("/api/view/submit", { view_id: form.dataset.viewId, values: values });
    }
  });

  picker.addEventListener("change", function () {
    current.as = picker.value;
    remember();
    refresh();
  });

  shown.sidebar = document.getElementById("sidebar").innerHTML;
  messages.scrollTop = messages.scrollHeight;
  remember();
  refresh();
  polling = setInterval(refresh, 1000);
  window.addEventListener("beforeunload", function () { clearInterval(polling); });
})();
