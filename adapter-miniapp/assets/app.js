// The customer's booking page: service, specialist, a month calendar of
// bookable days, free times, name and phone, confirm; then "My bookings".
// Plain ES module, no bundler. Every decision is the server's; this page
// only asks and shows. Text from the server is put in the page as text,
// never as HTML.

import { applyTheme, canRequestPhone, client, el, lang, requestPhone, tg, user } from "/app/telegram.js";

const TEXT = {
  en: {
    title: "Book a visit", services: "Service", staff: "Specialist", anyone: "Anyone",
    day: "Day", time: "Time", noTimes: "No free times this day.", details: "Your details",
    name: "Name", phone: "Phone", comment: "Comment (optional)", confirm: "Book",
    sharePhone: "Use my Telegram number", typePhone: "Your number did not arrive: please type it.",
    booked: "Booked", moved: "Moved", move: "Move", mine: "My bookings", none: "No upcoming bookings.", cancel: "Cancel",
    cancelled: "Cancelled", again: "Book another", minutes: "min", error: "Something went wrong.",
    weekdays: ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
  },
  ru: {
    title: "Запись", services: "Услуга", staff: "Мастер", anyone: "Любой",
    day: "День", time: "Время", noTimes: "В этот день свободного времени нет.", details: "Ваши данные",
    name: "Имя", phone: "Телефон", comment: "Комментарий (необязательно)", confirm: "Записаться",
    sharePhone: "Взять номер из Telegram", typePhone: "Номер не пришёл: напишите его, пожалуйста.",
    booked: "Вы записаны", moved: "Запись перенесена", move: "Перенести", mine: "Мои записи", none: "Предстоящих записей нет.", cancel: "Отменить",
    cancelled: "Отменено", again: "Записаться ещё", minutes: "мин", error: "Что-то пошло не так.",
    weekdays: ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
  },
}[lang];

const screen = document.getElementById("screen");
const confirmButton = document.getElementById("confirm");
const state = { history: [] };

const api = client("/app/api/", TEXT.error);

function show(title, ...content) {
  document.getElementById("title").textContent = title;
  screen.replaceChildren(...content);
  const back = state.history.length > 0;
  // Telegram's back button when its script is there, else the page's own.
  if (tg?.BackButton) back ? tg.BackButton.show() : tg.BackButton.hide();
  else document.getElementById("back").hidden = !back;
}

function go(render) {
  if (state.current) state.history.push(state.current);
  state.current = render;
  setConfirm(null);
  render().catch(showError);
}

function back() {
  const previous = state.history.pop();
  if (!previous) return;
  state.current = previous;
  setConfirm(null);
  previous().catch(showError);
}

function showError(error) {
  screen.prepend(el("p", { className: "error", role: "alert", textContent: error.message }));
}

// The booking's confirm: Telegram's main button when there is one, else
// the page's own.
let confirmAction = null;
function setConfirm(action) {
  confirmAction = action;
  confirmButton.textContent = TEXT.confirm;
  confirmButton.hidden = !action || Boolean(tg?.MainButton);
  if (tg?.MainButton) {
    tg.MainButton.setText(TEXT.confirm);
    action ? tg.MainButton.show() : tg.MainButton.hide();
  }
}
const onConfirm = () => confirmAction?.();
confirmButton.addEventListener("click", onConfirm);

const time = (iso) => new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", timeZone: state.tz });
// A calendar day (YYYY-MM-DD), and the local day of an instant.
const date = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString(lang, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
const dayOf = (instant) => new Date(instant).toLocaleDateString(lang, { weekday: "short", day: "numeric", month: "short", timeZone: state.tz });

async function services() {
  state.moving = null;
  state.me ??= await api("GET", "me");
  state.tz = state.me.time_zone;
  const list = await api("GET", "services");
  show(TEXT.services, el("div", { className: "list" }, ...list.map((s) =>
    el("button", { className: "item", dataset: { service: s.id }, onclick: () => { state.service = s; go(staff); } },
      el("span", { textContent: s.name }),
      el("small", { textContent: `${s.duration_minutes} ${TEXT.minutes} · ${(s.price_minor / 100).toFixed(0)} ${s.currency}` })))),
    el("h2", {}, el("button", { className: "item", id: "mine", textContent: TEXT.mine, onclick: () => go(mine) })));
}

async function staff() {
  const options = [{ id: 0, name: TEXT.anyone }, ...state.service.staff];
  show(TEXT.staff, el("div", { className: "list" }, ...options.map((m) =>
    el("button", { className: "item", dataset: { staff: m.id }, textContent: m.name,
      onclick: () => { state.staff = m.id; go(calendar); } }))));
}

async function calendar() {
  // Moving a booking: its own time does not count as taken.
  const { days } = await api("GET", state.moving
    ? `bookings/${state.moving.id}/days?staff=${state.staff}`
    : `days?service=${state.service.id}&staff=${state.staff}`);
  const bookable = new Set(days);
  const first = days[0] ?? new Date().toISOString().slice(0, 10);
  state.month ??= first.slice(0, 7);
  const [year, month] = state.month.split("-").map(Number);
  const start = new Date(Date.UTC(year, month - 1, 1));
  const blanks = (start.getUTCDay() + 6) % 7;
  const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const cells = [...TEXT.weekdays.map((d) => el("span", { className: "weekday", textContent: d }))];
  for (let i = 0; i < blanks; i++) cells.push(el("span"));
  for (let d = 1; d <= length; d++) {
    const iso = `${state.month}-${String(d).padStart(2, "0")}`;
    cells.push(bookable.has(iso)
      ? el("button", { dataset: { day: iso }, textContent: d, onclick: () => { state.day = iso; go(times); } })
      : el("span", { className: "day", textContent: d }));
  }
  const shift = (by) => {
    const next = new Date(Date.UTC(year, month - 1 + by, 1));
    state.month = next.toISOString().slice(0, 7);
    calendar().catch(showError);
  };
  const title = start.toLocaleDateString(lang, { month: "long", year: "numeric", timeZone: "UTC" });
  show(TEXT.day,
    el("div", { className: "month" }, el("button", { textContent: "‹", onclick: () => shift(-1) }),
      el("strong", { textContent: title }), el("button", { textContent: "›", onclick: () => shift(1) })),
    el("div", { className: "grid" }, ...cells));
}

async function times() {
  const { times } = await api("GET", state.moving
    ? `bookings/${state.moving.id}/times?staff=${state.staff}&day=${state.day}`
    : `times?service=${state.service.id}&staff=${state.staff}&day=${state.day}`);
  show(`${TEXT.time} · ${date(state.day)}`, times.length === 0
    ? el("p", { className: "muted", textContent: TEXT.noTimes })
    : el("div", { className: "chips" }, ...times.map((t) =>
      el("button", { className: "chip", dataset: { start: t.start }, textContent: time(t.start),
        onclick: () => { state.start = t.start; state.moving ? moveTo(t.start) : go(details); } }))));
}

function done(title, booking) {
  state.history = [];
  state.current = services;
  state.moving = null;
  setConfirm(null);
  show(title, el("div", { className: "done", id: "booked", dataset: { booking: booking.id } },
    el("strong", { textContent: `${booking.service?.name ?? ""} · ${time(booking.start)}` }),
    el("p", { textContent: `${dayOf(booking.start)} · ${booking.staff?.name ?? ""}` })),
    el("h2", {}, el("button", { className: "item", id: "mine", textContent: TEXT.mine, onclick: () => go(mine) })));
}

async function moveTo(start) {
  try {
    const moved = await api("POST", `bookings/${state.moving.id}/move`,
      { version: state.moving.version, staff: state.staff || null, start });
    done(TEXT.moved, moved);
  } catch (error) {
    showError(error);
  }
}

async function details() {
  const me = await api("GET", "me");
  state.me = me;
  const name = el("input", { id: "name", autocomplete: "name", value: me.name ?? [user?.first_name, user?.last_name].filter(Boolean).join(" ") });
  const phone = el("input", { id: "phone", type: "tel", autocomplete: "tel", value: me.phone ?? "" });
  const comment = el("textarea", { id: "comment", rows: 2, maxLength: 500 });
  const share = canRequestPhone && !me.phone
    ? el("button", { className: "chip", id: "share-phone", textContent: TEXT.sharePhone,
      onclick: () => sharePhone(share, phone) })
    : null;
  show(TEXT.details,
    el("p", { className: "muted", textContent: `${state.service.name} · ${date(state.day)} ${time(state.start)}` }),
    el("label", { htmlFor: "name", textContent: TEXT.name }), name,
    el("label", { htmlFor: "phone", textContent: TEXT.phone }), phone, share,
    el("label", { htmlFor: "comment", textContent: TEXT.comment }), comment);
  setConfirm(async () => {
    try {
      const booked = await api("POST", "bookings", { service: state.service.id, staff: state.staff || null,
        start: state.start, name: name.value, phone: phone.value, comment: comment.value || null });
      done(TEXT.booked, booked);
    } catch (error) {
      showError(error);
    }
  });
}

// The number arrives at the bot, not here: the page reads it from the
// record once the bot has kept it, which takes a moment.
const CONTACT_POLLS = [250, 500, 1000, 1500, 2000, 3000];
async function sharePhone(button, input) {
  button.disabled = true;
  if (!(await requestPhone())) {
    button.disabled = false;
    return;
  }
  for (const delay of CONTACT_POLLS) {
    const me = await api("GET", "me").catch(() => ({}));
    if (me.phone) {
      state.me = me;
      input.value = me.phone;
      button.remove();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  button.replaceWith(el("p", { className: "muted", textContent: TEXT.typePhone }));
}

async function mine() {
  const list = await api("GET", "bookings");
  show(TEXT.mine, list.length === 0 ? el("p", { className: "muted", textContent: TEXT.none })
    : el("div", { className: "list" }, ...list.map((b) => {
      const cancel = el("button", { className: "chip", textContent: TEXT.cancel, onclick: async () => {
        try {
          await api("POST", `bookings/${b.id}/cancel`, { version: b.version });
          cancel.replaceWith(el("small", { textContent: TEXT.cancelled }));
        } catch (error) { showError(error); }
      } });
      const move = el("button", { className: "chip", dataset: { move: b.id }, textContent: TEXT.move, onclick: () => {
        state.moving = b;
        state.service = b.service;
        state.staff = b.staff?.id ?? 0;
        state.month = null;
        go(calendar);
      } });
      return el("div", { className: "item", dataset: { booking: b.id } },
        el("span", { textContent: `${b.service?.name ?? ""} · ${dayOf(b.start)} ${time(b.start)}` }),
        el("span", { className: "chips" }, move, cancel));
    })));
}

applyTheme();
tg?.ready?.();
tg?.expand?.();
tg?.MainButton?.onClick(onConfirm);
tg?.BackButton?.onClick(back);
document.getElementById("back").addEventListener("click", back);
state.current = services;
services().catch(showError);
