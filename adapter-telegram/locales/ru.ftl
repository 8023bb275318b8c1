# Русские тексты клиентского бота (синтаксис Project Fluent).
# Каждый идентификатор должен быть и в остальных файлах локалей, иначе бот
# не запустится. Формы множественного числа по CLDR: one (1, 21, 31...),
# few (2-4, 22-24...), many (0, 5-20, 25-30...), other (дроби).

## Кнопки. Текст, совпадающий с надписью кнопки, не принимается как имя.

btn-book = 📅 Записаться
btn-my-bookings = 🗂 Мои записи
btn-about = ℹ️ О нас
btn-menu = 🏠 Меню
btn-back = ⬅️ Назад
btn-cancel = ✖️ Отмена
btn-open-mini-app = 📅 Открыть календарь
btn-any-staff = Любой мастер
btn-earlier = ◀️ Раньше
btn-later = Позже ▶️
btn-share-phone = 📱 Отправить мой номер
btn-skip-comment = Пропустить
btn-confirm = ✅ Подтвердить
btn-cancel-booking = Отменить запись
btn-reschedule = Перенести
btn-yes-cancel = Да, отменить
btn-keep = Нет, оставить
btn-my-data = 🔒 Мои данные
btn-erase-data = Удалить мои данные
btn-yes-erase = Да, удалить мои данные

## Главное меню и диалог.

start-greeting = Добро пожаловать в { $business }!
    Что вы хотите сделать?
menu-prompt = Что вы хотите сделать?
conversation-expired = Предыдущий диалог не продолжался { $minutes ->
        [one] { $minutes } минуту
        [few] { $minutes } минуты
       *[other] { $minutes } минут
    }, поэтому начнём сначала.
conversation-unreadable = После обновления бота не удалось продолжить предыдущий диалог, поэтому начнём сначала.
button-expired = Эта кнопка устарела.
unexpected-error = Извините, у нас что-то пошло не так. Попробуйте ещё раз чуть позже.
use-buttons = Пожалуйста, воспользуйтесь кнопками или отправьте /start, чтобы открыть меню.
flow-cancelled = Отменено. Запись не создана.

## Единицы.

days-ahead = { $count ->
        [one] { $count } день
        [few] { $count } дня
       *[other] { $count } дней
    }
hours = { $count ->
        [one] { $count } час
        [few] { $count } часа
       *[other] { $count } часов
    }
minutes = { $count ->
        [one] { $count } минута
        [few] { $count } минуты
       *[other] { $count } минут
    }
duration-short = { $hours ->
        [0] { $minutes } мин
       *[other] { $minutes ->
            [0] { $hours } ч
           *[other] { $hours } ч { $minutes } мин
        }
    }
weekday-short = { $day ->
        [1] Пн
        [2] Вт
        [3] Ср
        [4] Чт
        [5] Пт
        [6] Сб
       *[7] Вс
    }
# Месяц в родительном падеже: «2 июня».
month-short = { $month ->
        [1] янв
        [2] фев
        [3] мар
        [4] апр
        [5] мая
        [6] июн
        [7] июл
        [8] авг
        [9] сен
        [10] окт
        [11] ноя
       *[12] дек
    }
date-short = { $weekday }, { $day } { $month }
date-time = { $date }, { $time }

## Запись.

service-button = { $name } · { $duration } · { $price }
book-choose-service = Выберите услугу:
book-no-services = К сожалению, сейчас записаться онлайн нельзя.
book-choose-staff = { $service }
    Выберите мастера:
book-choose-day = { $service } · { $staff }
    Выберите день:
book-no-days = { $service } · { $staff }
    В ближайшие { $days } свободного времени нет. Выберите другого мастера или позвоните нам.
book-choose-time = { $service } · { $staff }
    { $day }: выберите время:
book-no-times = К сожалению, на { $day } свободного времени не осталось. Выберите другой день.
book-slot-taken = К сожалению, время { $time } только что занял кто-то другой. Свободное время на { $day } сейчас:
book-too-soon = На это время уже нельзя записаться. Выберите время позже:
book-ask-name = На какое имя записать? Напишите его или выберите ниже.
book-ask-name-plain = На какое имя записать? Напишите его, пожалуйста.
name-too-short = В имени должно быть не меньше { $min ->
        [one] { $min } символа
       *[other] { $min } символов
    }. Напишите ваше имя.
name-too-long = В имени может быть не больше { $max ->
        [one] { $max } символа
       *[other] { $max } символов
    }. Напишите имя короче.
name-control = Имя не может содержать управляющие символы. Напишите ваше имя.
name-no-letter = В имени должна быть хотя бы одна буква. Напишите ваше имя.
name-is-button = «{ $text }» — это надпись кнопки, а не имя. Напишите ваше имя.
book-ask-phone = Ваш номер телефона, чтобы мы могли связаться с вами по записи: нажмите «Отправить мой номер» ниже или напишите его.
phone-saved = 📱 Телефон: { $phone }
phone-not-own = Это не ваш контакт. Отправьте свой номер кнопкой или напишите его.
phone-empty = Напишите ваш номер телефона.
phone-too-long = В номере телефона не больше { $max } символов. Проверьте его.
phone-characters = В номере телефона могут быть только цифры, пробелы и символы + ( ) - . Проверьте его.
phone-not-a-phone = Это не похоже на номер телефона. Напишите его, например, так: +7 916 123-45-67.
phone-not-in-use = Такого номера нет в плане нумерации его страны. Проверьте его.
book-ask-comment = Хотите что-нибудь добавить? Напишите комментарий или пропустите.
comment-too-long = В комментарии может быть не больше { $max } символов, а в вашем { $got }. Сократите его.
comment-control = Комментарий не может содержать управляющие символы. Напишите его ещё раз.
comment-empty = Комментарий пустой. Напишите комментарий или пропустите.
book-summary = Проверьте запись:

    { $service } ({ $duration }, { $price })
    Мастер: { $staff }
    Когда: { $when }
    Имя: { $name }
    Телефон: { $phone }
book-summary-comment = Комментарий: { $comment }
book-done-confirmed = ✅ Вы записаны: { $service }, мастер { $staff }, { $when }. Ждём вас!
book-done-pending = 📨 Заявка отправлена: { $service }, мастер { $staff }, { $when }. Мы скоро её подтвердим.
book-too-many = У вас уже { $limit ->
        [one] { $limit } предстоящая запись
        [few] { $limit } предстоящие записи
       *[other] { $limit } предстоящих записей
    } — это максимум для одного клиента. Отмените одну в «Моих записях», чтобы записаться снова.
book-unavailable = К сожалению, на эту услугу больше нельзя записаться.
book-too-many-today = За последние 24 часа вы записались { $limit ->
        [one] { $limit } раз
        [few] { $limit } раза
       *[other] { $limit } раз
    } — больше за сутки мы не принимаем. Попробуйте завтра или позвоните нам.
cancel-too-many-today = За последние 24 часа вы отменили { $limit ->
        [one] { $limit } запись
        [few] { $limit } записи
       *[other] { $limit } записей
    } — больше за сутки мы не принимаем. Чтобы отменить эту, позвоните нам.

## Мои записи.

my-bookings-title = Ваши предстоящие записи:
my-bookings-empty = У вас нет предстоящих записей.
booking-button = { $when } · { $service }
booking-details = { $service }
    Мастер: { $staff }
    Когда: { $when }
    Статус: { $status }
booking-details-comment = Комментарий: { $comment }
status-pending = ждёт подтверждения
status-confirmed = подтверждена
status-completed = состоялась
status-no-show = пропущена
status-cancelled = отменена
status-rescheduled = перенесена
cancel-question = Отменить запись «{ $service }» на { $when }?
cancel-done = Запись «{ $service }» на { $when } отменена.
cancel-past-cutoff = Онлайн отменить запись можно не позже чем за { $cutoff } до начала, поэтому эту запись здесь отменить уже нельзя. Пожалуйста, свяжитесь с нами.
booking-not-active = Эта запись { $status }, изменить её уже нельзя.
reschedule-choose-staff = Перенос: { $service }. К какому мастеру?
reschedule-staff-current = { $name } (сейчас)
reschedule-choose-day = Переносим «{ $service }» ({ $when }).
    Выберите новый день:
reschedule-past-cutoff = Онлайн перенести запись можно не позже чем за { $cutoff } до начала, поэтому эту запись здесь перенести уже нельзя. Пожалуйста, свяжитесь с нами.
reschedule-summary = Перенести «{ $service }», мастер { $staff },
    с { $old }
    на { $new }?
reschedule-done = ✅ Перенесено: «{ $service }» теперь { $when }.
reschedule-slot-taken = К сожалению, время { $time } только что заняли. Ваша запись остаётся на { $old }. Свободное время на { $day } сейчас:
booking-changed = Запись изменилась. Вот она сейчас:

## О нас и личные данные.

about-title = { $business }
about-address = 📍 { $address }
about-phone = 📞 { $phone }
about-email = ✉️ { $email }
about-website = 🌐 { $website }
about-hours = Часы работы:
hours-line = { $days }: { $periods }
hours-closed = выходной
my-data = Что мы храним о вас:
    Имя: { $name }
    Телефон: { $phone }
    Храним с: { $since }
    Предстоящих записей: { $upcoming }
my-data-none = Мы не храним о вас личных данных.
erase-question = Удалить ваше имя и номер телефона из наших записей?
erase-question-upcoming = Удалить ваше имя и номер телефона из наших записей? Сначала { $count ->
        [one] будет отменена { $count } предстоящая запись
        [few] будут отменены { $count } предстоящие записи
       *[other] будут отменены { $count } предстоящих записей
    }.
erase-done = Готово: ваши личные данные удалены.
erase-done-cancelled = Готово: { $count ->
        [one] { $count } предстоящая запись отменена
        [few] { $count } предстоящие записи отменены
       *[other] { $count } предстоящих записей отменены
    }, ваши личные данные удалены.

## Admin bot. Staff-facing texts; every id starts with "admin-".

admin-whoami = Ваш идентификатор пользователя Telegram: { $id }.
admin-refused = Извините, этот бот только для сотрудников.
admin-ask-pin = Отправьте PIN-код, чтобы войти.
admin-pin-wrong = Неверный PIN. { $left ->
        [one] Осталась { $left } попытка
        [few] Осталось { $left } попытки
       *[other] Осталось { $left } попыток
    } до блокировки.
admin-locked-out = Слишком много неверных PIN-кодов. Попробуйте снова после { $until }.
admin-pin-paused = Вход по PIN-коду приостановлен до { $until }: было слишком много неверных PIN-кодов. Тех, кто уже вошёл, это не касается.
admin-pin-paused-owners = ⚠️ Слишком много неверных PIN-кодов за час: вход по PIN-коду приостановлен для всех, кто не вошёл, до { $until }. Возможно, кто-то подбирает PIN; стоит задать новый (booking hash-pin).
admin-session-ended = Ваш сеанс закончился, поэтому введённое не использовано. Отправьте PIN-код, чтобы войти снова.
admin-pin-busy = Сейчас проверяется много входов. Отправьте PIN-код ещё раз через минуту.
admin-not-a-pin = Это не PIN-код: в нём от 6 до 64 символов без пробелов. Отправьте PIN-код, чтобы войти.
admin-signed-in = Вход выполнен до { $until }.
admin-signed-out = Вы вышли. Отправьте PIN-код, чтобы войти снова.
admin-no-session = Вы в списке доступа; завершать нечего.
admin-help = Команды:
    /today, /tomorrow, /day ГГГГ-ММ-ДД [id мастера] — записи на день
    /week [id мастера] — семь дней с сегодняшнего, со свободными окнами
    /block all|id мастера ГГГГ-ММ-ДД[..ГГГГ-ММ-ДД] [ЧЧ:ММ-ЧЧ:ММ] [причина] — закрыть дни целиком или эти часы в каждый из дней
    /blocks — предстоящие закрытые периоды, с кнопкой удаления у каждого
    /book — записать клиента по звонку или без записи (или ➕ в дне)
    /stats today|week|month|ГГГГ-ММ-ДД ГГГГ-ММ-ДД — статистика
    /export today|week|month|ГГГГ-ММ-ДД ГГГГ-ММ-ДД — записи в CSV
    /customer телефон или часть имени — карточки клиентов
    /services, /staff — услуги и мастера с их id
    /service_add Название | минуты | цена ВАЛ [| перерыв до | перерыв после [| id мастеров]] — добавить услугу
    /service_edit id name|duration|price|before|after|staff значение — изменить одно поле
    /service_off id, /service_on id — снять услугу или вернуть её
    /staff_add Имя, /staff_rename id Имя, /staff_off id, /staff_on id — мастера
    /hours id мастера mon[,tue...] ЧЧ:ММ-ЧЧ:ММ[,ЧЧ:ММ-ЧЧ:ММ]|off — часы работы по дням недели
    /overrides [ГГГГ-ММ-ДД [ГГГГ-ММ-ДД]] — особые дни
    /override ГГГГ-ММ-ДД all|id мастера closed|ЧЧ:ММ-ЧЧ:ММ[,...] — закрыть день или задать особые часы
    /override_remove ГГГГ-ММ-ДД all|id мастера — убрать особый день
    /policy [reset | настройка значение] — правила записи (владелец)
    /staff_invite id мастера — одноразовый код, чтобы мастер подключился к этому боту (владелец)
    /whoami — ваш id в Telegram
    /logout — выйти
admin-help-staff = Команды для своего расписания:
    /today, /tomorrow, /day ГГГГ-ММ-ДД — ваши записи на день, с кнопками
    /week — ваши семь дней, со свободными окнами
    /block ваш id ГГГГ-ММ-ДД[..ГГГГ-ММ-ДД] [ЧЧ:ММ-ЧЧ:ММ] [причина] — закрыть своё время
    /blocks — ваши предстоящие закрытые периоды, с кнопкой удаления у каждого
    /book — записать клиента по звонку или без записи в ваше свободное время (или ➕ в дне)
    /services, /staff — услуги и мастера с их id
    /whoami — ваш id в Telegram
    /logout — выйти
admin-role-owner = Ваша роль: владелец (всё).
admin-role-manager = Ваша роль: менеджер (всё, кроме каталога и правил записи).
admin-role-staff = Ваша роль: мастер (своё расписание: день, неделя, записи, блокировки и /book).
admin-policy-title = Правила записи
admin-policy-min-notice = Запись не позже чем за: { $value } мин
admin-policy-horizon = Запись вперёд на: { $value } дн.
admin-policy-cancellation-cutoff = Клиент может отменить не позже чем за { $value } мин
admin-policy-reschedule-cutoff = Клиент может перенести не позже чем за { $value } мин
admin-policy-confirmation = Новые записи подтверждает мастер: { $value ->
        [1] да
       *[0] нет
    }
admin-policy-limit = Предстоящих записей на клиента: { $value }
admin-policy-footer = ✎ изменено здесь: действует вместо файла настроек до /policy reset.
    Изменить: /policy настройка значение, где настройка — min_notice_minutes, horizon_days, cancellation_cutoff_minutes, reschedule_cutoff_minutes, requires_confirmation (on или off), max_active_bookings_per_customer.
admin-policy-saved = Сохранено. Действует со следующей записи.
admin-policy-was-reset = Снова действуют правила из файла настроек.
admin-policy-invalid-horizon = Запись вперёд: от 1 до 366 дней.
admin-policy-invalid-limit = Клиенту должна быть доступна хотя бы одна предстоящая запись.
admin-invitation = Приглашение для { $name }:
    /join { $code }
    Пусть отправит эту строку этому боту со своего аккаунта Telegram до { $until }. Код действует один раз.
admin-joined = Добро пожаловать! Теперь вы мастер №{ $staff } в этом боте: вы видите и ведёте своё расписание, а бот сообщает о ваших записях. Что можно делать — в /help.
admin-joined-pin = Войдите с PIN-кодом сотрудников, который даст владелец.
admin-join-wrong = Код неизвестен, уже использован или истёк. Попросите у владельца новый.
admin-forbidden-owner = Это может сделать только владелец.
admin-forbidden-manager = Это может сделать только менеджер или владелец. Мастер видит и ведёт только своё расписание.
admin-unknown-command = Неизвестная команда. Список: /help.
admin-usage-day = Формат: /day ГГГГ-ММ-ДД [id мастера], например /day 2030-06-04 2
admin-usage-week = Формат: /week [all|id мастера], например /week 2
admin-usage-block = Формат: /block all|id мастера ГГГГ-ММ-ДД[..ГГГГ-ММ-ДД] [ЧЧ:ММ-ЧЧ:ММ] [причина], например /block 2 2030-06-04 12:00-15:00 Обучение
admin-usage-stats = Формат: /stats today|week|month или /stats ГГГГ-ММ-ДД ГГГГ-ММ-ДД
admin-usage-export = Формат: /export today|week|month или /export ГГГГ-ММ-ДД ГГГГ-ММ-ДД
admin-period-invalid = Период перевёрнут или слишком длинный.
admin-everyone = все мастера
admin-day-title = { $day } · { $who } · { $count ->
        [one] { $count } запись
        [few] { $count } записи
       *[other] { $count } записей
    }
admin-day-empty = Записей нет.
admin-day-blocked = ⛔ Закрыто { $from } – { $to } для: { $who } (блок #{ $id })
admin-week-title = Неделя { $first } – { $last } · { $who }
admin-week-too-long = Неделя всех мастеров не помещается в одно сообщение: выберите, чью неделю показать.
admin-week-nobody = Активных мастеров нет.
admin-week-bookings = { $count ->
        [one] { $count } запись, первая { $first }, последняя { $last }
        [few] { $count } записи, первая { $first }, последняя { $last }
       *[other] { $count } записей, первая { $first }, последняя { $last }
    }
admin-week-no-bookings = записей нет
admin-week-off = не работает
admin-week-no-free = свободного времени нет
admin-week-free = свободно { $windows }
admin-week-blocked = закрыто { $periods }
admin-btn-prev-week = ◀️ Предыдущая неделя
admin-btn-next-week = Следующая неделя ▶️
admin-blocks-title = Предстоящие закрытые периоды ({ $count }):
admin-blocks-empty = Предстоящих закрытых периодов нет.
admin-blocks-more = Ещё не показано: { $count }. Удалите часть периодов выше, чтобы увидеть остальные.
admin-btn-unblock = 🗑 Удалить #{ $id } ({ $when })
admin-unblocked = Блок #{ $id } удалён; это время снова открыто.
admin-unblock-gone = Блока #{ $id } уже нет; ничего не удалено.
admin-blocked-daily = Закрыто { $hours } в каждый день с { $first } по { $last } для: { $who } (блоков: { $count }; список — /blocks).
admin-block-no-such-hours = Этих часов нет ни в один из этих дней (часы переводятся), поэтому ничего не закрыто.
admin-page = Страница { $page } из { $pages }
admin-customer-unknown = (данные клиента удалены)
admin-status-pending = ждёт подтверждения
admin-status-confirmed = подтверждена
admin-status-completed = состоялась
admin-status-no-show = неявка
admin-status-cancelled = отменена
admin-status-rescheduled = перенесена
admin-card = Запись #{ $id } · { $service }
    Когда: { $when }–{ $end }
    Мастер: { $staff }
    Клиент: { $customer }
    Статус: { $status }
admin-card-comment = Комментарий: { $comment }
admin-card-reason = Причина: { $reason }
actor-customer = клиент
actor-system = система
actor-staff-member = сотрудник #{ $id }
actor-staff-user = { $role } (Telegram id { $user })
actor-staff-as = { $name } ({ $role })
role-owner = владелец
role-manager = менеджер
role-staff = сотрудник
admin-card-created-by = Записал(а): { $who }, { $when }
admin-card-confirmed-by = Подтвердил(а): { $by }
admin-card-closed-by = Статус установил(а): { $by }
admin-btn-confirm = ✅ Подтвердить
admin-btn-cancel = ✖️ Отменить запись
admin-btn-complete = Состоялась
admin-btn-no-show = Неявка
admin-btn-move = Перенести
admin-btn-back-day = ⬅️ К дню
admin-btn-prev-day = ◀️ Предыдущий день
admin-btn-next-day = Следующий день ▶️
admin-btn-all-staff = Все мастера
admin-btn-cancel-colliding = Отменить с сообщением
admin-confirmed = Подтверждено; клиент уведомлён.
admin-cancelled = Отменено; клиент уведомлён.
admin-completed = Отмечено как состоявшееся.
admin-marked-no-show = Отмечена неявка.
admin-moved = Перенесено на { $when }; клиент уведомлён.
admin-conflict = Запись изменилась за это время, поэтому ничего не сделано. Текущее состояние:
admin-conflict-short = Запись изменилась за это время.
admin-not-possible = В текущем состоянии записи это невозможно.
admin-not-found = Такой записи нет.
admin-ask-reason = Напишите причину отмены записи #{ $id } (клиент её увидит) или отправьте /skip, чтобы отменить без причины.
admin-reason-invalid = Этот текст не подходит как причина: он пустой или длиннее 300 символов. Напишите снова или отправьте /skip.
admin-move-staff = К какому мастеру перенести запись #{ $id }?
admin-move-staff-current = { $name } (сейчас)
admin-move-days = Выберите новый день для записи #{ $id }:
admin-move-none = Нет свободного времени для переноса этой записи.
admin-move-times = Выберите новое время на { $day }:
admin-slot-taken = Это время уже занято; выберите другое.
admin-blocked = Закрыто { $from } – { $to } для: { $who } (блок #{ $id }).
admin-blocked-no-collisions = Записей в это время нет.
admin-blocked-collisions = { $count ->
        [one] { $count } запись попадает в это время и остаётся в силе:
        [few] { $count } записи попадают в это время и остаются в силе:
       *[other] { $count } записей попадают в это время и остаются в силе:
    }
admin-ask-colliding-reason = Напишите сообщение клиентам { $count ->
        [one] этой { $count } записи
       *[other] этих записей ({ $count })
    }; записи будут отменены с ним. Или отправьте /skip, чтобы отменить без сообщения.
admin-colliding-done = { $count ->
        [one] Отменена { $count } запись
        [few] Отменены { $count } записи
       *[other] Отменено { $count } записей
    }; клиенты уведомлены.
admin-colliding-changed = Запись #{ $id } изменилась за это время и оставлена как есть; проверьте её через /day.
admin-colliding-not-cancelled = Запись #{ $id } нельзя отменить в её текущем состоянии.
admin-block-invalid = Этот период нельзя закрыть: он должен заканчиваться после начала и длиться не больше года.
admin-unknown-staff = Мастера { $id } нет.
admin-stats = Статистика { $first } – { $last }
    Записей: { $total } (ждут { $pending }, подтверждены { $confirmed }, состоялись { $completed }, неявки { $noshow }, отменены { $cancelled }, перенесены { $moved })
    Выручка (состоявшиеся визиты): { $revenue }
    Ожидается (подтверждённые будущие визиты): { $expected }
    Популярные услуги: { $top }
    Клиенты: новых { $new }, постоянных { $returning }
    Доля отмен: { $cancelrate }
    Доля неявок: { $noshowrate }
admin-export-caption = Записи { $first } – { $last }: { $count ->
        [one] { $count } строка
        [few] { $count } строки
       *[other] { $count } строк
    }.
admin-export-too-large = Файл превысит лимит Telegram в 50 МБ для документов. Выберите период короче.
admin-usage-services = Формат: /services
admin-usage-service-add = Формат: /service_add Название | минуты | цена ВАЛ [| перерыв до | перерыв после [| id мастеров]], например /service_add Борода | 45 | 1500 RUB | 5 | 10 | 1,2
admin-usage-service-edit = Формат: /service_edit id name|duration|price|before|after|staff значение, например /service_edit 3 price 1800 RUB или /service_edit 3 staff 1,2
admin-usage-service-active = Формат: /service_off id или /service_on id, id — из /services
admin-usage-staff = Формат: /staff
admin-usage-staff-add = Формат: /staff_add Имя, например /staff_add Мария
admin-usage-staff-rename = Формат: /staff_rename id Имя, например /staff_rename 2 Мария К.
admin-usage-staff-active = Формат: /staff_off id или /staff_on id, id — из /staff
admin-usage-hours = Формат: /hours id мастера mon[,tue...] ЧЧ:ММ-ЧЧ:ММ[,ЧЧ:ММ-ЧЧ:ММ] или off, например /hours 1 mon,tue 09:00-13:00,14:00-19:00
admin-usage-overrides = Формат: /overrides [ГГГГ-ММ-ДД [ГГГГ-ММ-ДД]]
admin-usage-override = Формат: /override ГГГГ-ММ-ДД all|id мастера closed|ЧЧ:ММ-ЧЧ:ММ[,ЧЧ:ММ-ЧЧ:ММ], например /override 2030-06-05 all closed
admin-usage-override-remove = Формат: /override_remove ГГГГ-ММ-ДД all|id мастера
admin-catalog-refused = Не сохранено: { $reason }. Ничего не изменилось.
admin-unknown-service = Услуги { $id } нет.
admin-service-gone = Этой услуги больше нет.
admin-services-title = Услуги:
admin-service-line = #{ $id } { $name } · { $duration } · { $price } · перерывы { $before }+{ $after } мин · мастера: { $staff }
admin-service-added = Услуга добавлена:
    { $line }
admin-service-saved = Услуга сохранена:
    { $line }
admin-inactive = (не активно)
admin-nobody = никто
admin-catalog-empty = (нет)
admin-staff-title = Мастера:
admin-no-hours = часы работы не заданы
admin-staff-added = Мастер добавлен:
    { $line }
    Задайте часы работы: /hours { $id } mon 09:00-18:00.
admin-staff-saved = Сохранено:
    { $line }
admin-closed = закрыто
admin-overrides-title = Особые дни { $first } – { $last }:
admin-override-set = Особый день сохранён: { $line }
admin-override-removed = Особый день { $day } для: { $who } — убран.
admin-override-not-found = Такого особого дня нет.
admin-bad-name-short = имя должно быть не короче { $min ->
        [one] { $min } символа
        [few] { $min } символов
       *[other] { $min } символов
    }
admin-bad-name-long = имя должно быть не длиннее { $max ->
        [one] { $max } символа
        [few] { $max } символов
       *[other] { $max } символов
    }
admin-bad-name-control = в имени не должно быть управляющих символов
admin-bad-name-letter = в имени должна быть хотя бы одна буква
admin-bad-minutes = длительность — целое число минут, а получено «{ $typed }»
admin-bad-minutes-range = длительность должна быть от 0 до { $max } минут, а получено { $got }
admin-bad-price = цену пишут суммой и валютой, например 1500 RUB или 35.00 EUR, а получено «{ $typed }»
admin-bad-currency = валюта — трёхбуквенный код ISO 4217, например RUB или EUR, а получено «{ $typed }»
admin-bad-money = цена не может быть отрицательной
admin-bad-staff-ids = id мастеров — положительные числа через запятую, а получено «{ $typed }»
admin-bad-period-order = период должен начинаться раньше, чем заканчивается ({ $start } не раньше { $end })
admin-bad-time = время суток — от 00:00 до 24:00, а получено «{ $typed }»
admin-bad-period = период пишут как ЧЧ:ММ-ЧЧ:ММ, а получено «{ $typed }»
admin-bad-overlap = периоды на { $day } пересекаются: { $first } и { $second }
admin-bad-zero-duration = услуга должна длиться хотя бы минуту
admin-bad-longer-than-a-day = услуга вместе с перерывами должна укладываться в сутки

# Стойка администратора: /book для звонка или гостя без записи.
admin-book-service = 📝 Новая запись: выберите услугу.
admin-book-no-service = Записать не на что: нет активной услуги с активным мастером.
admin-book-staff = { $service }: выберите мастера.
admin-book-anyone = любой мастер
admin-book-days = { $service } · { $who }: выберите день.
admin-book-no-days = Нет свободного времени с { $from } по { $to }.
admin-book-times = { $day }: выберите время.
admin-book-no-times = На { $day } свободного времени не осталось.
admin-book-ask-phone = Телефон клиента?
admin-book-bad-phone = Это не номер телефона. Напишите ещё раз, например +7 916 555-01-02.
admin-book-ask-name = Этого телефона ещё нет в базе. Как зовут клиента?
admin-book-bad-name = Такое имя не подходит: напишите имя до 100 букв.
admin-book-found = Клиент: { $customer }.
admin-book-ask-comment = Комментарий к записи? Или /skip.
admin-book-bad-comment = Комментарий слишком длинный. Напишите короче или /skip.
admin-book-use-buttons = Выберите кнопками выше или начните заново: /book.
admin-book-summary = Записать: { $service }, мастер { $staff }, { $when }, клиент { $customer }?
admin-btn-book-confirm = ✅ Записать
admin-btn-book-for = 📅 Записать
admin-book-done = ✅ Запись #{ $id } создана, { $when }.
admin-book-slot-taken = Это время не свободно (уже). Выберите другое.
admin-book-unknown-customer = Карточки этого клиента больше нет. Начните заново: /book.

## Notifications (rendered at sending time)
notice-confirmed = ✅ Ваша запись подтверждена: { $service }, мастер { $staff }, { $when }.
notice-cancelled = ❌ Ваша запись отменена: { $service }, мастер { $staff }, { $when }.
notice-rescheduled = 🔁 Ваша запись на { $service } (мастер { $staff }) перенесена с { $old } на { $when }.
notice-reminder = ⏰ Напоминание: { $service }, мастер { $staff }, { $when }.
notice-reason = Причина: { $reason }
notice-attending = Вы подтвердили, что придёте. Спасибо!
btn-attend = ✅ Приду
attend-done = Спасибо, ждём вас!
notice-staff-new = 🆕 Новая запись #{ $id }: { $service }, { $when }, { $staff }. Клиент: { $customer }.
notice-staff-awaiting = Ожидает вашего подтверждения.
notice-staff-now = Сейчас: { $status }.
notice-staff-confirmed = ✅ Запись #{ $id } подтверждена: { $service }, { $when }, { $staff }. Клиент: { $customer }.
notice-staff-cancelled = ❌ Запись #{ $id } отменена: { $service }, { $when }, { $staff }. Клиент: { $customer }.
notice-staff-rescheduled = 🔁 Запись #{ $id } перенесена: { $service }, теперь { $when }, { $staff }. Клиент: { $customer }.
notice-staff-moved-from = Было: { $old }.
notice-staff-reminder = ⏰ Скоро: запись #{ $id }, { $service }, { $when }, { $staff }. Клиент: { $customer }.
notice-staff-attending = Клиент подтвердил, что придёт.
notice-staff-not-confirmed = Клиент пока не подтвердил, что придёт.
notice-expired = ❌ К сожалению, вашу заявку не подтвердили вовремя, и запись отменена: { $service }, мастер { $staff }, { $when }. Пожалуйста, выберите другое время.
notice-staff-confirm-due = ⏳ Запись #{ $id } всё ещё ждёт вашего подтверждения: { $service }, { $when }, { $staff }. Клиент: { $customer }.
notice-staff-confirm-deadline = Если её не подтвердить, она будет отменена { $deadline }.
notice-staff-expired = ❌ Запись #{ $id } отменена автоматически: её никто не подтвердил вовремя. { $service }, { $when }, { $staff }. Клиент: { $customer }.
notice-btn-open = Открыть запись

## Flood control (both bots).
slow-down = Вы отправляете сообщения быстрее, чем я успеваю отвечать. Часть из них я пропустил: подождите несколько секунд и продолжайте.

## Customer cards (admin bot) and customers' history (client bot).
admin-usage-customer = Формат: /customer телефон или часть имени, например /customer 916 555-01-02 или /customer Петрова
admin-usage-staff-invite = Формат: /staff_invite id мастера, например /staff_invite 2
admin-usage-join = Формат: /join код, с кодом от владельца, например /join ABCDE-FGHJK
admin-usage-policy = Формат: /policy, /policy reset или /policy настройка значение, например /policy min_notice_minutes 120 или /policy requires_confirmation on. Минуты от 0 до 527040, дни от 1 до 366.
admin-customers-none = Нет клиентов по запросу «{ $query }».
admin-customers-found = Клиенты по запросу «{ $query }»:
admin-customers-more = Подходит больше клиентов, чем показано: уточните телефон или имя.
admin-customer-button = { $name } · { $phone }
admin-customer-no-phone = без телефона
admin-customer-card = 👤 { $name }
    Телефон: { $phone }
    Telegram: { $telegram }
    Клиент с: { $since }
admin-customer-telegram-yes = да, бот может им написать
admin-customer-telegram-no = нет, позвоните
admin-customer-upcoming = Предстоящие записи ({ $count }):
admin-customer-upcoming-none = Предстоящих записей нет.
admin-customer-past = Прошлые визиты ({ $count }):
admin-customer-past-none = Прошлых визитов нет.
admin-customer-past-more = …и ещё { $count } раньше.
admin-customer-visit = { $when } · { $service } · { $status }
admin-customer-visit-cancelled = { $when } · { $service } · отменил(а) { $who }
admin-customer-visit-reason = { $line }: «{ $reason }»
admin-customer-visit-completed-by = { $when } · { $service } · состоялась, отметил(а) { $who }
admin-customer-visit-no-show-by = { $when } · { $service } · неявка, отметил(а) { $who }
admin-customer-by-customer = клиент
admin-customer-by-business = салон
admin-customer-spent = Всего потрачено: { $total }
admin-customer-spent-none = Всего потрачено: пока ничего
admin-customer-notes = Заметки: { $notes }
admin-customer-notes-none = Заметки: нет
admin-btn-customer-notes = 📝 Заметка
admin-btn-customer-erase = 🗑 Удалить данные
admin-btn-customer-back = ⬅️ Карточка клиента
admin-btn-yes-erase-customer = Да, удалить
admin-customer-gone = Такого клиента нет: возможно, его данные удалены.
admin-customer-ask-notes = Пришлите заметки о клиенте { $name }: они заменят текущие, не длиннее { $max } символов. Пришлите -, чтобы очистить их, или /skip, чтобы оставить как есть.
admin-customer-current-notes = Текущие заметки: { $notes }
admin-customer-notes-too-long = Заметки — не длиннее { $max } символов, а здесь { $got }. Пришлите покороче или /skip, чтобы оставить текущие.
admin-customer-notes-invalid = В заметках не должно быть управляющих символов. Пришлите их ещё раз или /skip, чтобы оставить текущие.
admin-customer-notes-saved = Заметки сохранены.
admin-customer-notes-kept = Заметки не изменились.
admin-customer-ask-erase = Удалить персональные данные клиента { $name } по его просьбе? Карточка и заметки удаляются; записи остаются без имени и телефона, для статистики. { $count ->
        [0] Предстоящих записей нет.
        [one] Сначала отменяется { $count } предстоящая запись, клиенту придёт сообщение.
        [few] Сначала отменяются { $count } предстоящие записи, клиенту придёт сообщение.
       *[other] Сначала отменяются { $count } предстоящих записей, клиенту придёт сообщение.
    }
admin-customer-being-told = { $count ->
        [one] { $count } предстоящая запись отменена
        [few] { $count } предстоящие записи отменены
       *[other] { $count } предстоящих записей отменены
    }, клиенту отправляется сообщение. Нажмите «Удалить» ещё раз через минуту: если удалить сейчас, сообщение удалится, не успев уйти.
admin-customer-erased = Удалено: карточка клиента удалена; { $count ->
        [one] { $count } запись остаётся
        [few] { $count } записи остаются
       *[other] { $count } записей остаются
    } без имени и телефона, для статистики.
admin-customer-still-changing = Записи клиента всё время менялись, поэтому пока ничего не удалено. Попробуйте ещё раз.
my-bookings-past = Ваши недавние визиты:
past-visit = { $when } · { $service } · { $status }
my-data-bookings = Записи, которые мы храним о вас ({ $count }):
my-data-bookings-more = …и ещё { $count }.
btn-save-details = 💾 Сохранить как мои данные
save-details-offer = Эта запись на имя { $name }, { $phone }. Ваши сохранённые данные не меняются, если вы не сохраните эти.
save-details-done = Сохранено: в следующий раз предложим { $name }, { $phone }.
save-details-phone-taken = Этот номер уже есть в карточке другого клиента, поэтому ваши данные не изменены. Если номер ваш, свяжитесь с нами.
contact-saved = Сохранили ваш номер { $phone }. Страница записи подставит его сама.
contact-linked = Сохранили ваш номер { $phone }: мы уже знали вас по нему, и записи, сделанные по телефону, теперь в «Моих записях».
contact-name-invalid = Не удалось сохранить этот контакт: его имя нельзя сохранить. Напишите телефон на странице записи или запишитесь здесь один раз.
