// The staff grid: a day of every schedule the user may see (specialists as
// columns), or one specialist's week (days as columns); half hours as rows,
// bookings coloured by status, blocked time shaded. Tapping a booking
// offers its actions, moving included; tapping a free cell books a caller
// by phone, or takes the booking being moved. The admin side decides who
// may do what, as in the bot.

import { applyTheme, client, el, lang, launchParam, tg } from "/app/telegram.js";

const TEXT = {
  en: { confirm: "Confirm", cancel: "Cancel", complete: "Completed", no_show: "No-show", close: "Close",
    move: "Move", moving: "Tap a free cell to move", reason: "Reason for the customer (optional)",
    phone: "Phone", name: "Name (new customers)", book: "Book", service: "Service", week: "Week", day: "Day",
    error: "Something went wrong." },
  ru: { confirm: "Подтвердить", cancel: "Отменить", complete: "Пришёл", no_show: "Не пришёл", close: "Закрыть",
    move: "Перенести", moving: "Нажмите свободную ячейку, куда перенести", reason: "Причина для клиента (необязательно)",
    phone: "Телефон", name: "Имя (для новых клиентов)", book: "Записать", service: "Услуга", week: "Неделя", day: "День",
    error: "Что-то пошло не так." },
}[lang];

const FIRST_ROW = 8 * 60;
const LAST_ROW = 21 * 60;
const STEP = 30;

const grid = document.getElementById("grid");
const panel = document.getElementById("panel");
const state = { day: launchParam("day"), week: launchParam("view") === "week", member: null, moving: null };

const api = client("/app/api/staff/", TEXT.error);

function parts(instant) {
  const all = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: state.tz }).formatToParts(new Date(instant));
  const get = (type) => all.find((p) => p.type === type).value;
  return { date: `${get("year")}-${get("month")}-${get("day")}`, minutes: Number(get("hour")) * 60 + Number(get("minute")) };
}
const clock = (m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const row = (m) => Math.floor((Math.min(Math.max(m, FIRST_ROW), LAST_ROW) - FIRST_ROW) / STEP) + 2;
const label = (iso, options) => new Date(`${iso}T12:00:00Z`).toLocaleDateString(lang, { ...options, timeZone: "UTC" });

// The instant of local `minute` on local `date`: the zone's offset, read
// at a first guess and corrected once.
function instantOf(date, minute) {
  const guess = new Date(new Date(`${date}T00:00:00Z`).getTime() + minute * 60000);
  const seen = parts(guess.toISOString());
  const shift = (seen.date === date ? seen.minutes : seen.minutes + (seen.date > date ? 1440 : -1440)) - minute;
  return new Date(guess.getTime() - shift * 60000);
}

function closePanel() {
  panel.hidden = true;
  state.moving = null;
}

function showError(error) {
  panel.hidden = false;
  panel.replaceChildren(el("p", { className: "error", role: "alert", textContent: error.message }),
    el("button", { className: "chip", textContent: TEXT.close, onclick: closePanel }));
}

// The [from, to) minutes of `[start, end)` on local `date`, if it touches it.
function onDate(date, start, end) {
  const a = parts(start);
  const b = parts(end);
  if (a.date > date || b.date < date || (b.date === date && b.minutes === 0 && a.date !== date)) return null;
  return [a.date === date ? a.minutes : 0, b.date === date ? b.minutes || 24 * 60 : 24 * 60];
}

async function load() {
  const query = [state.day && `day=${state.day}`, state.week && "days=7",
    state.week && state.member && `staff=${state.member}`].filter(Boolean).join("&");
  const data = await api("GET", `day${query ? `?${query}` : ""}`);
  state.tz = data.time_zone;
  state.services = data.services;
  state.day = data.day;
  state.member ??= data.staff[0]?.id ?? null;
  // Columns: each specialist on the day, or each day for one specialist.
  const columns = state.week
    ? data.days.map((date) => ({ date, staff: state.member, title: label(date, { weekday: "short", day: "numeric" }) }))
    : data.staff.map((m) => ({ date: state.day, staff: m.id, title: m.name }));
  const names = new Map(data.staff.map((m) => [m.id, m.name]));
  document.getElementById("title").textContent = state.week
    ? `${names.get(state.member) ?? ""} · ${label(state.day, { day: "numeric", month: "short" })}`
    : label(state.day, { weekday: "short", day: "numeric", month: "short" });
  document.getElementById("mode").textContent = state.week ? TEXT.day : TEXT.week;

  const cells = [el("span")];
  columns.forEach((c, i) => cells.push(el("div", { className: "head", textContent: c.title, style: { gridColumn: i + 2, gridRow: 1 } })));
  for (let m = FIRST_ROW; m < LAST_ROW; m += STEP) {
    cells.push(el("span", { className: "hour", textContent: m % 60 === 0 ? clock(m) : "", style: { gridColumn: 1, gridRow: row(m) } }));
  }
  const taken = new Set();
  const free = new Set();
  columns.forEach((c, i) => {
    for (const b of data.blocked) {
      const span = (b.staff === null || b.staff === c.staff) && onDate(c.date, b.start, b.end);
      if (!span) continue;
      const [from, to] = [row(span[0]), Math.max(row(span[1]), row(span[0]) + 1)];
      for (let r = from; r < to; r++) taken.add(`${i}:${r}`);
      cells.push(el("div", { className: "blocked", style: { gridColumn: i + 2, gridRow: `${from} / ${to}` } }));
    }
    for (const w of data.free) {
      const span = w.staff === c.staff && onDate(c.date, w.start, w.end);
      if (!span) continue;
      for (let t = FIRST_ROW; t < LAST_ROW; t += STEP) if (t >= span[0] && t + STEP <= span[1]) free.add(`${i}:${row(t)}`);
    }
  });
  for (const b of data.bookings) {
    const at = parts(b.start);
    const i = columns.findIndex((c) => c.staff === b.staff?.id && c.date === at.date);
    if (i < 0) continue;
    const from = row(at.minutes);
    const to = Math.max(row(parts(b.end).minutes || 24 * 60), from + 1);
    if (b.status === "pending" || b.status === "confirmed") for (let r = from; r < to; r++) taken.add(`${i}:${r}`);
    cells.push(el("button", { className: `booking ${b.status}`, dataset: { booking: b.id },
      style: { gridColumn: i + 2, gridRow: `${from} / ${to}` },
      textContent: `${clock(at.minutes)} ${b.customer?.name ?? ""}`, onclick: () => actions(b) }));
  }
  columns.forEach((c, i) => {
    for (let t = FIRST_ROW; t < LAST_ROW; t += STEP) {
      const key = `${i}:${row(t)}`;
      if (taken.has(key) || !free.has(key)) continue;
      cells.push(el("button", { className: "free", dataset: { staff: c.staff, date: c.date, time: clock(t) },
        style: { gridColumn: i + 2, gridRow: row(t) }, "aria-label": `${names.get(c.staff) ?? ""} ${c.date} ${clock(t)}`,
        onclick: () => (state.moving ? moveTo(c, t) : bookCaller(c, t)) }));
    }
  });
  const members = state.week && data.staff.length > 1
    ? el("div", { className: "chips" }, ...data.staff.map((m) => el("button", {
      className: `chip${m.id === state.member ? " chosen" : ""}`, dataset: { member: m.id }, textContent: m.name,
      onclick: () => { state.member = m.id; load().catch(showError); } })))
    : null;
  grid.replaceChildren(...[members, el("div", { className: "day-grid",
    style: { gridTemplateColumns: `44px repeat(${columns.length}, 1fr)` } }, ...cells)].filter(Boolean));
}

function actions(b) {
  const reason = el("input", { id: "reason", placeholder: TEXT.reason });
  const act = (action) => async () => {
    try {
      await api("POST", `bookings/${b.id}/${action}`, { version: b.version, reason: reason.value || null });
      closePanel();
      await load();
    } catch (error) { showError(error); }
  };
  const active = b.status === "pending" || b.status === "confirmed";
  const buttons = [];
  if (b.status === "pending") buttons.push(["confirm", TEXT.confirm, act("confirm")]);
  if (active) {
    buttons.push(["complete", TEXT.complete, act("complete")], ["no_show", TEXT.no_show, act("no_show")],
      ["move", TEXT.move, () => {
        state.moving = b;
        panel.replaceChildren(el("strong", { id: "moving", textContent: `#${b.id}: ${TEXT.moving}` }),
          el("button", { className: "chip", textContent: TEXT.close, onclick: closePanel }));
      }], ["cancel", TEXT.cancel, act("cancel")]);
  }
  panel.hidden = false;
  panel.replaceChildren(
    el("strong", { textContent: `#${b.id} ${clock(parts(b.start).minutes)} · ${b.service?.name ?? ""}` }),
    el("span", { textContent: [b.customer?.name, b.customer?.phone].filter(Boolean).join(", ") }),
    active ? reason : null,
    el("div", { className: "actions" }, ...buttons.map(([action, text, onclick]) =>
      el("button", { className: "chip", dataset: { action }, textContent: text, onclick })),
      el("button", { className: "chip", textContent: TEXT.close, onclick: closePanel })));
}

async function moveTo(column, minute) {
  const b = state.moving;
  try {
    await api("POST", `bookings/${b.id}/move`, { version: b.version, staff: column.staff,
      start: instantOf(column.date, minute).toISOString() });
    closePanel();
    await load();
  } catch (error) { showError(error); }
}

function bookCaller(column, minute) {
  const service = el("select", { id: "service" }, ...state.services.map((s) => el("option", { value: s.id, textContent: s.name })));
  const phone = el("input", { id: "caller-phone", type: "tel", placeholder: TEXT.phone });
  const name = el("input", { id: "caller-name", placeholder: TEXT.name });
  panel.hidden = false;
  panel.replaceChildren(el("strong", { textContent: `${label(column.date, { day: "numeric", month: "short" })} · ${clock(minute)}` }),
    service, phone, name,
    el("div", { className: "actions" },
      el("button", { className: "chip", id: "book-caller", textContent: TEXT.book, onclick: async () => {
        try {
          await api("POST", "bookings", { service: Number(service.value), staff: column.staff,
            start: instantOf(column.date, minute).toISOString(), phone: phone.value, name: name.value || null });
          closePanel();
          await load();
        } catch (error) { showError(error); }
      } }),
      el("button", { className: "chip", textContent: TEXT.close, onclick: closePanel })));
}

function shift(by) {
  const next = new Date(`${state.day}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + by * (state.week ? 7 : 1));
  state.day = next.toISOString().slice(0, 10);
  load().catch(showError);
}

applyTheme();
tg?.ready?.();
tg?.expand?.();
document.getElementById("prev").addEventListener("click", () => shift(-1));
document.getElementById("next").addEventListener("click", () => shift(1));
document.getElementById("mode").addEventListener("click", () => { state.week = !state.week; load().catch(showError); });
load().catch(showError);
