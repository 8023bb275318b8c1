// The staff grid: a day of every schedule the user may see, specialists as
// columns and half hours as rows; bookings coloured by status, blocked time
// shaded. Tapping a booking offers its actions; tapping a free cell books a
// caller by phone. The admin side decides who may do what, as in the bot.

import { applyTheme, client, el, lang, launchParam, tg } from "/app/telegram.js";

const TEXT = {
  en: { confirm: "Confirm", cancel: "Cancel", complete: "Completed", no_show: "No-show", close: "Close",
    reason: "Reason for the customer (optional)", phone: "Phone", name: "Name (new customers)",
    book: "Book", service: "Service", error: "Something went wrong." },
  ru: { confirm: "Подтвердить", cancel: "Отменить", complete: "Пришёл", no_show: "Не пришёл", close: "Закрыть",
    reason: "Причина для клиента (необязательно)", phone: "Телефон", name: "Имя (для новых клиентов)",
    book: "Записать", service: "Услуга", error: "Что-то пошло не так." },
}[lang];

const FIRST_ROW = 8 * 60;
const LAST_ROW = 21 * 60;
const STEP = 30;

const grid = document.getElementById("grid");
const panel = document.getElementById("panel");
const state = { day: launchParam("day") };

const api = client("/app/api/staff/", TEXT.error);

// Minutes since local midnight of an instant, in the business's zone.
function minutesOf(instant) {
  const parts = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    timeZone: state.tz }).formatToParts(new Date(instant));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return get("hour") * 60 + get("minute");
}
const clock = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const row = (m) => Math.floor((Math.min(Math.max(m, FIRST_ROW), LAST_ROW) - FIRST_ROW) / STEP) + 2;

function showError(error) {
  panel.hidden = false;
  panel.replaceChildren(el("p", { className: "error", role: "alert", textContent: error.message }),
    el("button", { className: "chip", textContent: TEXT.close, onclick: () => { panel.hidden = true; } }));
}

async function load() {
  // Without a day, the server's today in the business's time zone.
  const day = await api("GET", state.day ? `day?day=${state.day}` : "day");
  state.tz = day.time_zone;
  state.services = day.services;
  state.day = day.day;
  document.getElementById("title").textContent = new Date(`${state.day}T12:00:00Z`)
    .toLocaleDateString(lang, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  const columns = day.staff.length;
  const cells = [el("span")];
  const taken = new Set();
  day.staff.forEach((m, i) => cells.push(el("div", { className: "head", textContent: m.name, style: { gridColumn: i + 2, gridRow: 1 } })));
  for (let m = FIRST_ROW; m < LAST_ROW; m += STEP) {
    cells.push(el("span", { className: "hour", textContent: m % 60 === 0 ? clock(m) : "", style: { gridColumn: 1, gridRow: row(m) } }));
  }
  const place = (staffId, start, end) => {
    const column = day.staff.findIndex((s) => s.id === staffId) + 2;
    const from = row(minutesOf(start));
    const to = Math.max(row(minutesOf(end)), from + 1);
    return { column, from, to };
  };
  for (const b of day.blocked) {
    for (const [i, m] of day.staff.entries()) {
      if (b.staff !== null && b.staff !== m.id) continue;
      const { from, to } = place(m.id, b.start, b.end);
      for (let r = from; r < to; r++) taken.add(`${i + 2}:${r}`);
      cells.push(el("div", { className: "blocked", style: { gridColumn: i + 2, gridRow: `${from} / ${to}` } }));
    }
  }
  for (const b of day.bookings) {
    if (!b.staff) continue;
    const { column, from, to } = place(b.staff.id, b.start, b.end);
    const active = b.status === "pending" || b.status === "confirmed";
    if (active) for (let r = from; r < to; r++) taken.add(`${column}:${r}`);
    cells.push(el("button", { className: `booking ${b.status}`, dataset: { booking: b.id },
      style: { gridColumn: column, gridRow: `${from} / ${to}` },
      textContent: `${clock(minutesOf(b.start))} ${b.customer?.name ?? ""}`,
      onclick: () => actions(b) }));
  }
  // Free cells: inside the member's free working time only.
  const freeRows = new Set();
  for (const window of day.free) {
    const column = day.staff.findIndex((s) => s.id === window.staff) + 2;
    const from = minutesOf(window.start);
    const to = minutesOf(window.end) || 24 * 60;
    for (let t = FIRST_ROW; t < LAST_ROW; t += STEP) {
      if (t >= from && t + STEP <= to) freeRows.add(`${column}:${row(t)}`);
    }
  }
  for (const [i, m] of day.staff.entries()) {
    for (let t = FIRST_ROW; t < LAST_ROW; t += STEP) {
      if (taken.has(`${i + 2}:${row(t)}`) || !freeRows.has(`${i + 2}:${row(t)}`)) continue;
      cells.push(el("button", { className: "free", dataset: { staff: m.id, time: clock(t) },
        style: { gridColumn: i + 2, gridRow: row(t) }, "aria-label": `${m.name} ${clock(t)}`,
        onclick: () => bookCaller(m, t) }));
    }
  }
  grid.replaceChildren(el("div", { className: "day-grid", style: { gridTemplateColumns: `44px repeat(${columns}, 1fr)` } }, ...cells));
}

function actions(b) {
  const reason = el("input", { id: "reason", placeholder: TEXT.reason });
  const act = (action) => async () => {
    try {
      await api("POST", `bookings/${b.id}/${action}`, { version: b.version, reason: reason.value || null });
      panel.hidden = true;
      await load();
    } catch (error) { showError(error); }
  };
  const buttons = [];
  if (b.status === "pending") buttons.push(["confirm", TEXT.confirm]);
  if (b.status === "pending" || b.status === "confirmed") {
    buttons.push(["complete", TEXT.complete], ["no_show", TEXT.no_show], ["cancel", TEXT.cancel]);
  }
  panel.hidden = false;
  panel.replaceChildren(
    el("strong", { textContent: `#${b.id} ${clock(minutesOf(b.start))} · ${b.service?.name ?? ""}` }),
    el("span", { textContent: [b.customer?.name, b.customer?.phone].filter(Boolean).join(", ") }),
    buttons.some(([a]) => a === "cancel") ? reason : null,
    el("div", { className: "actions" }, ...buttons.map(([action, label]) =>
      el("button", { className: "chip", dataset: { action }, textContent: label, onclick: act(action) })),
      el("button", { className: "chip", textContent: TEXT.close, onclick: () => { panel.hidden = true; } })));
}

function bookCaller(member, minute) {
  const service = el("select", { id: "service" }, ...state.services.map((s) => el("option", { value: s.id, textContent: s.name })));
  const phone = el("input", { id: "caller-phone", type: "tel", placeholder: TEXT.phone });
  const name = el("input", { id: "caller-name", placeholder: TEXT.name });
  panel.hidden = false;
  panel.replaceChildren(el("strong", { textContent: `${member.name} · ${clock(minute)}` }), service, phone, name,
    el("div", { className: "actions" },
      el("button", { className: "chip", id: "book-caller", textContent: TEXT.book, onclick: async () => {
        try {
          const offset = new Date(`${state.day}T00:00:00Z`);
          // The cell's local time, as an instant: search the zone's offset.
          const guess = new Date(offset.getTime() + minute * 60000);
          const start = new Date(guess.getTime() - (minutesOf(guess.toISOString()) - minute) * 60000);
          await api("POST", "bookings", { service: Number(service.value), staff: member.id, start: start.toISOString(),
            phone: phone.value, name: name.value || null });
          panel.hidden = true;
          await load();
        } catch (error) { showError(error); }
      } }),
      el("button", { className: "chip", textContent: TEXT.close, onclick: () => { panel.hidden = true; } })));
}

function shift(by) {
  const next = new Date(`${state.day}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + by);
  state.day = next.toISOString().slice(0, 10);
  load().catch(showError);
}

applyTheme();
tg?.ready?.();
tg?.expand?.();
document.getElementById("prev").addEventListener("click", () => shift(-1));
document.getElementById("next").addEventListener("click", () => shift(1));
load().catch(showError);
