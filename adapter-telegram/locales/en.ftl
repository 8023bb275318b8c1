# English texts of the client bot (Project Fluent syntax).
# Every message id here must also exist in every other locale file: the bot
# refuses to start otherwise. Plural forms use CLDR categories.

## Buttons. A typed text equal to one of these is refused as a name.

btn-book = 📅 Book
btn-my-bookings = 🗂 My bookings
btn-about = ℹ️ About
btn-menu = 🏠 Menu
btn-back = ⬅️ Back
btn-cancel = ✖️ Cancel
btn-open-mini-app = 📅 Open the calendar
btn-any-staff = Any specialist
btn-earlier = ◀️ Earlier
btn-later = Later ▶️
btn-share-phone = 📱 Share my phone
btn-skip-comment = Skip
btn-confirm = ✅ Confirm
btn-cancel-booking = Cancel booking
btn-reschedule = Reschedule
btn-yes-cancel = Yes, cancel it
btn-keep = No, keep it
btn-my-data = 🔒 My data
btn-erase-data = Erase my data
btn-yes-erase = Yes, erase my data

## Main menu and conversation.

start-greeting = Welcome to { $business }!
    What would you like to do?
menu-prompt = What would you like to do?
conversation-expired = Your previous conversation was idle for { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    }, so we are starting over.
conversation-unreadable = We could not continue your previous conversation after an update of the bot, so we are starting over.
button-expired = This button has expired.
unexpected-error = Sorry, something went wrong on our side. Please try again in a moment.
use-buttons = Please use the buttons, or send /start to see the menu.
flow-cancelled = Cancelled. Nothing was booked.

## Units.

days-ahead = { $count ->
        [one] { $count } day
       *[other] { $count } days
    }
hours = { $count ->
        [one] { $count } hour
       *[other] { $count } hours
    }
minutes = { $count ->
        [one] { $count } minute
       *[other] { $count } minutes
    }
duration-short = { $hours ->
        [0] { $minutes } min
       *[other] { $minutes ->
            [0] { $hours } h
           *[other] { $hours } h { $minutes } min
        }
    }
weekday-short = { $day ->
        [1] Mon
        [2] Tue
        [3] Wed
        [4] Thu
        [5] Fri
        [6] Sat
       *[7] Sun
    }
month-short = { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    }
# A day: "Tue 2 Jun".
date-short = { $weekday } { $day } { $month }
# A day and time: "Tue 2 Jun, 14:30".
date-time = { $date }, { $time }

## Booking flow.

service-button = { $name } · { $duration } · { $price }
book-choose-service = Choose a service:
book-no-services = Sorry, nothing can be booked online right now.
book-choose-staff = { $service }
    Choose a specialist:
book-choose-day = { $service } · { $staff }
    Choose a day:
book-no-days = { $service } · { $staff }
    There are no free times in the next { $days }. Please try another specialist or call us.
book-choose-time = { $service } · { $staff }
    { $day }: choose a time:
book-no-times = Sorry, { $day } has no free times left. Please choose another day.
book-slot-taken = Sorry, { $time } was just taken by someone else. These times on { $day } are free now:
book-too-soon = That time is now too close to book. Please choose a later one:
book-ask-name = What name should we book under? Type it, or tap a suggestion below.
book-ask-name-plain = What name should we book under? Please type it.
name-too-short = A name needs at least { $min ->
        [one] { $min } character
       *[other] { $min } characters
    }. Please type your name.
name-too-long = A name can have at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }. Please type a shorter one.
name-control = A name cannot contain control characters. Please type your name.
name-no-letter = A name needs at least one letter. Please type your name.
name-is-button = “{ $text }” is the label of a button, not a name. Please type your name.
book-ask-phone = Your phone number, so that we can reach you about this booking: tap “Share my phone” below, or type it.
phone-saved = 📱 Phone: { $phone }
phone-not-own = That is not your own contact. Please share your own number with the button, or type it.
phone-empty = Please type your phone number.
phone-too-long = A phone number has at most { $max } characters. Please check it.
phone-characters = A phone number has only digits, spaces and + ( ) - . characters. Please check it.
phone-not-a-phone = This does not look like a phone number. Please type it with the country code, for example +44 20 7946 0958.
phone-not-in-use = This number does not exist in its country's numbering plan. Please check it.
book-ask-comment = Anything you would like us to know? Type a comment, or skip.
comment-too-long = A comment can have at most { $max } characters; yours has { $got }. Please shorten it.
comment-control = A comment cannot contain control characters. Please type it again.
comment-empty = The comment is empty. Type a comment, or skip.
book-summary = Please check your booking:

    { $service } ({ $duration }, { $price })
    Specialist: { $staff }
    When: { $when }
    Name: { $name }
    Phone: { $phone }
book-summary-comment = Comment: { $comment }
book-done-confirmed = ✅ Booked: { $service } with { $staff }, { $when }. See you!
book-done-pending = 📨 Request sent: { $service } with { $staff }, { $when }. We will confirm it shortly.
book-too-many = You already hold { $limit ->
        [one] { $limit } upcoming booking
       *[other] { $limit } upcoming bookings
    }, the most one customer can hold. Cancel one in “My bookings” to book another.
book-unavailable = Sorry, this service can no longer be booked.
book-too-many-today = You have made { $limit ->
        [one] { $limit } booking
       *[other] { $limit } bookings
    } in the last 24 hours, the most we accept in a day. Please try again tomorrow, or call us.
cancel-too-many-today = You have cancelled { $limit ->
        [one] { $limit } booking
       *[other] { $limit } bookings
    } in the last 24 hours, the most we accept in a day. Please call us to cancel this one.

## My bookings.

my-bookings-title = Your upcoming bookings:
my-bookings-empty = You have no upcoming bookings.
booking-button = { $when } · { $service }
booking-details = { $service }
    Specialist: { $staff }
    When: { $when }
    Status: { $status }
booking-details-comment = Comment: { $comment }
status-pending = waiting for confirmation
status-confirmed = confirmed
status-completed = completed
status-no-show = missed
status-cancelled = cancelled
status-rescheduled = moved
cancel-question = Cancel { $service } on { $when }?
cancel-done = Your booking for { $service } on { $when } is cancelled.
cancel-past-cutoff = Bookings can be cancelled online until { $cutoff } before the start, so this one can no longer be cancelled here. Please contact us.
booking-not-active = This booking is { $status } and can no longer be changed.
reschedule-choose-staff = Moving { $service }: with which specialist?
reschedule-staff-current = { $name } (now)
reschedule-choose-day = Moving { $service } ({ $when }).
    Choose a new day:
reschedule-past-cutoff = Bookings can be moved online until { $cutoff } before the start, so this one can no longer be moved here. Please contact us.
reschedule-summary = Move { $service } with { $staff }
    from { $old }
    to { $new }?
reschedule-done = ✅ Moved: { $service } is now on { $when }.
reschedule-slot-taken = Sorry, { $time } was just taken. Your booking stays on { $old }. These times on { $day } are free now:
booking-changed = This booking was changed meanwhile. Here it is as it stands now:

## About and personal data.

about-title = { $business }
about-address = 📍 { $address }
about-phone = 📞 { $phone }
about-email = ✉️ { $email }
about-website = 🌐 { $website }
about-hours = Opening hours:
hours-line = { $days }: { $periods }
hours-closed = closed
my-data = What we store about you:
    Name: { $name }
    Phone: { $phone }
    Stored since: { $since }
    Upcoming bookings: { $upcoming }
my-data-none = We store no personal data about you.
erase-question = Erase your name and phone number from our records?
erase-question-upcoming = Erase your name and phone number from our records? Your { $count ->
        [one] upcoming booking
       *[other] { $count } upcoming bookings
    } will be cancelled first.
erase-done = Done: your personal data is erased.
erase-done-cancelled = Done: { $count ->
        [one] your upcoming booking is cancelled
       *[other] your { $count } upcoming bookings are cancelled
    } and your personal data is erased.

## Admin bot. Staff-facing texts; every id starts with "admin-".

admin-whoami = Your Telegram user id is { $id }.
admin-refused = Sorry, this bot is for the staff of the business only.
admin-ask-pin = Please send your PIN to sign in.
admin-pin-wrong = Wrong PIN. { $left ->
        [one] { $left } attempt left
       *[other] { $left } attempts left
    } before a lockout.
admin-locked-out = Too many wrong PINs. You can try again after { $until }.
admin-pin-paused = Signing in with the PIN is paused until { $until }: there were too many wrong PINs. Staff already signed in are not affected.
admin-pin-paused-owners = ⚠️ Too many wrong PINs within an hour: signing in with the PIN is paused for everyone not signed in until { $until }. Someone may be guessing the PIN; consider a new one (booking hash-pin).
admin-session-ended = Your session has ended, so what you typed was not used. Please send your PIN to sign in again.
admin-pin-busy = Many sign-ins are being checked right now. Please send your PIN again in a moment.
admin-not-a-pin = That cannot be a PIN: a PIN has 6 to 64 characters without spaces. Please send your PIN to sign in.
admin-signed-in = Signed in until { $until }.
admin-signed-out = Signed out. Send your PIN to sign in again.
admin-no-session = You are on the allow-list; there is no session to end.
admin-help = Commands:
    /today, /tomorrow, /day YYYY-MM-DD [staff id] — bookings of a day
    /week [staff id] — seven days at a glance from today, with the free windows
    /block all|staff id YYYY-MM-DD[..YYYY-MM-DD] [HH:MM-HH:MM] [reason] — block whole days, or the hours on each day
    /blocks — upcoming blocked periods, with a button to remove each
    /book — book for a caller or a walk-in (also ➕ on a day view)
    /stats today|week|month|YYYY-MM-DD YYYY-MM-DD — statistics
    /export today|week|month|YYYY-MM-DD YYYY-MM-DD — bookings as CSV
    /customer phone or part of a name — customer cards
    /services, /staff — the catalog with ids
    /service_add Name | minutes | price CUR [| buffer before | buffer after [| staff ids]] — add a service
    /service_edit id name|duration|price|before|after|staff value — change one field
    /service_off id, /service_on id — stop or resume offering a service
    /staff_add Name, /staff_rename id Name, /staff_off id, /staff_on id — staff members
    /hours staff id mon[,tue...] HH:MM-HH:MM[,HH:MM-HH:MM]|off — weekly hours
    /overrides [YYYY-MM-DD [YYYY-MM-DD]] — date overrides
    /override YYYY-MM-DD all|staff id closed|HH:MM-HH:MM[,...] — close a day or set special hours
    /override_remove YYYY-MM-DD all|staff id — remove a date override
    /policy [reset | setting value] — the booking policy (owners)
    /staff_invite staff id — a one-time code for a staff member to join this bot (owners)
    /whoami — your Telegram id
    /logout — sign out
admin-help-staff = Commands for your own schedule:
    /today, /tomorrow, /day YYYY-MM-DD — your bookings of a day, with their buttons
    /week — your seven days at a glance, with the free windows
    /block your staff id YYYY-MM-DD[..YYYY-MM-DD] [HH:MM-HH:MM] [reason] — block your time
    /blocks — your upcoming blocked periods, with a button to remove each
    /book — book a caller or a walk-in into your free time (also ➕ on a day view)
    /services, /staff — the catalog with ids
    /whoami — your Telegram id
    /logout — sign out
admin-role-owner = Your role: owner (everything).
admin-role-manager = Your role: manager (everything but the catalog and the policy).
admin-role-staff = Your role: staff (your own schedule: day, week, bookings, blocks and /book).
admin-policy-title = Booking policy
admin-policy-min-notice = Minimum notice: { $value } min
admin-policy-horizon = Bookable ahead: { $value } days
admin-policy-cancellation-cutoff = Customers may cancel until { $value } min before
admin-policy-reschedule-cutoff = Customers may move until { $value } min before
admin-policy-confirmation = Staff confirm new bookings: { $value ->
        [1] on
       *[0] off
    }
admin-policy-limit = Upcoming bookings per customer: { $value }
admin-policy-footer = ✎ changed here: wins over the config file until /policy reset.
    Change one: /policy setting value, with min_notice_minutes, horizon_days, cancellation_cutoff_minutes, reschedule_cutoff_minutes, requires_confirmation (on or off), max_active_bookings_per_customer.
admin-policy-saved = Saved. It applies from the next booking.
admin-policy-was-reset = The config file's policy applies again.
admin-policy-invalid-horizon = Bookable ahead must be 1 to 366 days.
admin-policy-invalid-limit = Each customer must be allowed at least one upcoming booking.
admin-invitation = Invitation for { $name }:
    /join { $code }
    They send that line to this bot from their own Telegram account by { $until }. It works once.
admin-joined = Welcome! You are now staff member #{ $staff } in this bot: you see and manage your own schedule, and the bot tells you about your bookings. /help lists what you can do.
admin-joined-pin = Sign in with the staff PIN the owner gives you.
admin-join-wrong = This code is unknown, used or expired. Ask the owner for a new one.
admin-forbidden-owner = Only an owner can do this.
admin-forbidden-manager = Only a manager or an owner can do this. Staff see and manage their own schedule.
admin-unknown-command = Unknown command. /help lists them.
admin-usage-day = Usage: /day YYYY-MM-DD [staff id], for example /day 2030-06-04 2
admin-usage-week = Usage: /week [all|staff id], for example /week 2
admin-usage-block = Usage: /block all|staff id YYYY-MM-DD[..YYYY-MM-DD] [HH:MM-HH:MM] [reason], for example /block 2 2030-06-04 12:00-15:00 Training
admin-usage-stats = Usage: /stats today|week|month, or /stats YYYY-MM-DD YYYY-MM-DD
admin-usage-export = Usage: /export today|week|month, or /export YYYY-MM-DD YYYY-MM-DD
admin-period-invalid = That period is reversed or too long.
admin-everyone = all staff
admin-day-title = { $day } · { $who } · { $count ->
        [one] { $count } booking
       *[other] { $count } bookings
    }
admin-day-empty = No bookings.
admin-day-blocked = ⛔ Blocked { $from } – { $to } for { $who } (block #{ $id })
admin-week-title = Week { $first } – { $last } · { $who }
admin-week-too-long = Everyone's week does not fit one message: choose whose week to see.
admin-week-nobody = No active staff members.
admin-week-bookings = { $count ->
        [one] 1 booking at { $first }
       *[other] { $count } bookings, first { $first }, last { $last }
    }
admin-week-no-bookings = no bookings
admin-week-off = not working
admin-week-no-free = no free time
admin-week-free = free { $windows }
admin-week-blocked = blocked { $periods }
admin-btn-prev-week = ◀️ Previous week
admin-btn-next-week = Next week ▶️
admin-blocks-title = Upcoming blocked periods ({ $count }):
admin-blocks-empty = No upcoming blocked periods.
admin-blocks-more = { $count ->
        [one] 1 later block is not listed; remove some above to see it.
       *[other] { $count } later blocks are not listed; remove some above to see them.
    }
admin-btn-unblock = 🗑 Remove #{ $id } ({ $when })
admin-unblocked = Block #{ $id } removed; that time is open again.
admin-unblock-gone = Block #{ $id } no longer exists; nothing was removed.
admin-blocked-daily = Blocked { $hours } on each day from { $first } to { $last } for { $who } ({ $count } blocks; /blocks lists them).
admin-block-no-such-hours = Those hours do not occur on any of those days (the clocks skip them), so nothing was blocked.
admin-page = Page { $page } of { $pages }
admin-customer-unknown = (customer data erased)
admin-status-pending = pending
admin-status-confirmed = confirmed
admin-status-completed = completed
admin-status-no-show = no-show
admin-status-cancelled = cancelled
admin-status-rescheduled = moved
admin-card = Booking #{ $id } · { $service }
    When: { $when }–{ $end }
    Specialist: { $staff }
    Customer: { $customer }
    Status: { $status }
admin-card-comment = Comment: { $comment }
admin-card-reason = Reason: { $reason }
actor-customer = the customer
actor-system = the system
actor-staff-member = staff member #{ $id }
actor-staff-user = { $role } (Telegram id { $user })
actor-staff-as = { $name } ({ $role })
role-owner = owner
role-manager = manager
role-staff = staff member
admin-card-created-by = Booked by: { $who }, { $when }
admin-card-confirmed-by = Confirmed by: { $by }
admin-card-closed-by = Status set by: { $by }
admin-btn-confirm = ✅ Confirm
admin-btn-cancel = ✖️ Cancel booking
admin-btn-complete = Completed
admin-btn-no-show = No-show
admin-btn-move = Reschedule
admin-btn-back-day = ⬅️ Day view
admin-btn-prev-day = ◀️ Previous day
admin-btn-next-day = Next day ▶️
admin-btn-all-staff = All staff
admin-btn-cancel-colliding = Cancel them with a message
admin-confirmed = Confirmed; the customer is told.
admin-cancelled = Cancelled; the customer is told.
admin-completed = Marked as completed.
admin-marked-no-show = Marked as a no-show.
admin-moved = Moved to { $when }; the customer is told.
admin-conflict = This booking changed meanwhile, so nothing was done. Its current state:
admin-conflict-short = The booking changed meanwhile.
admin-not-possible = That is not possible in the booking's current state.
admin-not-found = No such booking.
admin-ask-reason = Write the reason for cancelling booking #{ $id } (the customer will see it), or send /skip to cancel without one.
admin-reason-invalid = That text cannot be used as a reason: it is empty or longer than 300 characters. Write it again, or send /skip.
admin-move-staff = Move booking #{ $id } to which specialist?
admin-move-staff-current = { $name } (now)
admin-move-days = Pick the new day for booking #{ $id }:
admin-move-none = There are no free times to move this booking to.
admin-move-times = Pick the new time on { $day }:
admin-slot-taken = That time is no longer free; pick another.
admin-blocked = Blocked { $from } – { $to } for { $who } (block #{ $id }).
admin-blocked-no-collisions = No bookings collide with it.
admin-blocked-collisions = { $count ->
        [one] { $count } booking collides with it and still stands:
       *[other] { $count } bookings collide with it and still stand:
    }
admin-ask-colliding-reason = Write the message for the customers of these { $count ->
        [one] { $count } booking
       *[other] { $count } bookings
    }; they will be cancelled with it. Or send /skip to cancel them without a message.
admin-colliding-done = { $count ->
        [one] { $count } booking cancelled
       *[other] { $count } bookings cancelled
    }; the customers are told.
admin-colliding-changed = Booking #{ $id } changed meanwhile and was left as it is; check it with /day.
admin-colliding-not-cancelled = Booking #{ $id } could not be cancelled in its current state.
admin-block-invalid = That period cannot be blocked: it must end after it starts and span at most a year.
admin-unknown-staff = There is no staff member { $id }.
admin-stats = Statistics { $first } – { $last }
    Bookings: { $total } (pending { $pending }, confirmed { $confirmed }, completed { $completed }, no-show { $noshow }, cancelled { $cancelled }, moved { $moved })
    Revenue (completed visits): { $revenue }
    Expected (confirmed visits to come): { $expected }
    Top services: { $top }
    Customers: { $new } new, { $returning } returning
    Cancellation rate: { $cancelrate }
    No-show rate: { $noshowrate }
admin-export-caption = Bookings { $first } – { $last }: { $count ->
        [one] { $count } row
       *[other] { $count } rows
    }.
admin-export-too-large = This export would exceed Telegram's 50 MB limit for documents. Please choose a shorter period.
admin-usage-services = Usage: /services
admin-usage-service-add = Usage: /service_add Name | minutes | price CUR [| buffer before | buffer after [| staff ids]], for example /service_add Beard trim | 45 | 35.00 EUR | 5 | 10 | 1,2
admin-usage-service-edit = Usage: /service_edit id name|duration|price|before|after|staff value, for example /service_edit 3 price 40.00 EUR or /service_edit 3 staff 1,2
admin-usage-service-active = Usage: /service_off id or /service_on id, with the id from /services
admin-usage-staff = Usage: /staff
admin-usage-staff-add = Usage: /staff_add Name, for example /staff_add Maria
admin-usage-staff-rename = Usage: /staff_rename id Name, for example /staff_rename 2 Maria K.
admin-usage-staff-active = Usage: /staff_off id or /staff_on id, with the id from /staff
admin-usage-hours = Usage: /hours staff id mon[,tue...] HH:MM-HH:MM[,HH:MM-HH:MM] or off, for example /hours 1 mon,tue 09:00-13:00,14:00-19:00
admin-usage-overrides = Usage: /overrides [YYYY-MM-DD [YYYY-MM-DD]]
admin-usage-override = Usage: /override YYYY-MM-DD all|staff id closed|HH:MM-HH:MM[,HH:MM-HH:MM], for example /override 2030-06-05 all closed
admin-usage-override-remove = Usage: /override_remove YYYY-MM-DD all|staff id
admin-catalog-refused = Not saved: { $reason }. Nothing was changed.
admin-unknown-service = There is no service { $id }.
admin-service-gone = That service no longer exists.
admin-services-title = Services:
admin-service-line = #{ $id } { $name } · { $duration } · { $price } · buffers { $before }+{ $after } min · staff: { $staff }
admin-service-added = Service added:
    { $line }
admin-service-saved = Service saved:
    { $line }
admin-inactive = (inactive)
admin-nobody = nobody
admin-catalog-empty = (none)
admin-staff-title = Staff:
admin-no-hours = no weekly hours
admin-staff-added = Staff member added:
    { $line }
    Set their hours with /hours { $id } mon 09:00-18:00.
admin-staff-saved = Saved:
    { $line }
admin-closed = closed
admin-overrides-title = Date overrides { $first } – { $last }:
admin-override-set = Date override saved: { $line }
admin-override-removed = The date override of { $day } for { $who } is removed.
admin-override-not-found = There is no such date override.
admin-bad-name-short = a name must have at least { $min ->
        [one] { $min } character
       *[other] { $min } characters
    }
admin-bad-name-long = a name must have at most { $max ->
        [one] { $max } character
       *[other] { $max } characters
    }
admin-bad-name-control = a name must not contain control characters
admin-bad-name-letter = a name must have at least one letter
admin-bad-minutes = a duration is a whole number of minutes, got "{ $typed }"
admin-bad-minutes-range = a duration must be between 0 and { $max } minutes, got { $got }
admin-bad-price = write a price as an amount and a currency, such as 35.00 EUR, got "{ $typed }"
admin-bad-currency = a currency is a three-letter ISO 4217 code such as EUR or RUB, got "{ $typed }"
admin-bad-money = a price must not be negative
admin-bad-staff-ids = staff ids are positive numbers separated by commas, got "{ $typed }"
admin-bad-period-order = a period must start before it ends ({ $start } is not before { $end })
admin-bad-time = a time of day is between 00:00 and 24:00, got "{ $typed }"
admin-bad-period = write a period as HH:MM-HH:MM, got "{ $typed }"
admin-bad-overlap = periods on { $day } overlap: { $first } and { $second }
admin-bad-zero-duration = a service must last at least one minute
admin-bad-longer-than-a-day = a service, buffers included, must fit in one day

# Front desk: /book for a caller or a walk-in.
admin-book-service = 📝 New booking: choose a service.
admin-book-no-service = No service can be booked: none is active with an active specialist.
admin-book-staff = { $service }: choose a specialist.
admin-book-anyone = any specialist
admin-book-days = { $service } · { $who }: choose a day.
admin-book-no-days = No free time from { $from } to { $to }.
admin-book-times = { $day }: choose a time.
admin-book-no-times = No free time left on { $day }.
admin-book-ask-phone = The customer's phone number?
admin-book-bad-phone = That is not a phone number. Write it again, for example +7 916 555-01-02.
admin-book-ask-name = Nobody has this phone yet. The customer's name?
admin-book-bad-name = That name cannot be used: write one of up to 100 letters.
admin-book-found = Customer: { $customer }.
admin-book-ask-comment = A comment for the booking? Or /skip.
admin-book-bad-comment = The comment is too long. Write a shorter one, or /skip.
admin-book-use-buttons = Choose with the buttons above, or start again with /book.
admin-book-summary = Book { $service } with { $staff }, { $when }, for { $customer }?
admin-btn-book-confirm = ✅ Book
admin-btn-book-for = 📅 Book
admin-book-done = ✅ Booked #{ $id }, { $when }.
admin-book-slot-taken = That time is not free (any more). Choose another.
admin-book-unknown-customer = That customer's record no longer exists. Start again with /book.

## Notifications (rendered at sending time)
notice-confirmed = ✅ Your booking is confirmed: { $service } with { $staff }, { $when }.
notice-cancelled = ❌ Your booking was cancelled: { $service } with { $staff }, { $when }.
notice-rescheduled = 🔁 Your booking for { $service } with { $staff } was moved from { $old } to { $when }.
notice-reminder = ⏰ Reminder: { $service } with { $staff }, { $when }.
notice-reason = Reason: { $reason }
notice-attending = You told us you'll come. Thank you!
btn-attend = ✅ I'll come
attend-done = Thank you, we are expecting you!
notice-staff-new = 🆕 New booking #{ $id }: { $service }, { $when }, { $staff }. Customer: { $customer }.
notice-staff-awaiting = It awaits your confirmation.
notice-staff-now = It is now { $status }.
notice-staff-confirmed = ✅ Booking #{ $id } confirmed: { $service }, { $when }, { $staff }. Customer: { $customer }.
notice-staff-cancelled = ❌ Booking #{ $id } cancelled: { $service }, { $when }, { $staff }. Customer: { $customer }.
notice-staff-rescheduled = 🔁 Booking #{ $id } moved: { $service }, now { $when }, { $staff }. Customer: { $customer }.
notice-staff-moved-from = It was at { $old }.
notice-staff-reminder = ⏰ Coming up: booking #{ $id }, { $service }, { $when }, { $staff }. Customer: { $customer }.
notice-staff-attending = The customer said they'll come.
notice-staff-not-confirmed = The customer has not confirmed they'll come.
notice-expired = ❌ We are sorry: your booking request was not confirmed in time, so it has been cancelled: { $service } with { $staff }, { $when }. Please choose another time.
notice-staff-confirm-due = ⏳ Booking #{ $id } still awaits your confirmation: { $service }, { $when }, { $staff }. Customer: { $customer }.
notice-staff-confirm-deadline = Unless confirmed, it is cancelled at { $deadline }.
notice-staff-expired = ❌ Booking #{ $id } was cancelled automatically: nobody confirmed it in time. { $service }, { $when }, { $staff }. Customer: { $customer }.
notice-btn-open = Open booking

## Flood control (both bots).
slow-down = You are sending messages faster than I can answer. I skipped some of them: please wait a few seconds, then go on.

## Customer cards (admin bot) and customers' history (client bot).
admin-usage-customer = Usage: /customer phone or part of a name, for example /customer 916 555-01-02 or /customer Petrova
admin-usage-staff-invite = Usage: /staff_invite staff id, for example /staff_invite 2
admin-usage-join = Usage: /join code, with the code the owner sent you, for example /join ABCDE-FGHJK
admin-usage-policy = Usage: /policy, /policy reset, or /policy setting value, for example /policy min_notice_minutes 120 or /policy requires_confirmation on. Minutes from 0 to 527040, days from 1 to 366.
admin-customers-none = No customer matches "{ $query }".
admin-customers-found = Customers matching "{ $query }":
admin-customers-more = More customers match than are listed: type more of the phone or the name.
admin-customer-button = { $name } · { $phone }
admin-customer-no-phone = no phone
admin-customer-card = 👤 { $name }
    Phone: { $phone }
    Telegram: { $telegram }
    Customer since: { $since }
admin-customer-telegram-yes = yes, the bot can message them
admin-customer-telegram-no = no, call them
admin-customer-upcoming = Upcoming bookings ({ $count }):
admin-customer-upcoming-none = No upcoming bookings.
admin-customer-past = Past visits ({ $count }):
admin-customer-past-none = No past visits.
admin-customer-past-more = …and { $count } earlier.
admin-customer-visit = { $when } · { $service } · { $status }
admin-customer-visit-cancelled = { $when } · { $service } · cancelled by { $who }
admin-customer-visit-reason = { $line }: “{ $reason }”
admin-customer-visit-completed-by = { $when } · { $service } · completed, marked by { $who }
admin-customer-visit-no-show-by = { $when } · { $service } · no-show, marked by { $who }
admin-customer-by-customer = the customer
admin-customer-by-business = the business
admin-customer-spent = Total spent: { $total }
admin-customer-spent-none = Total spent: nothing yet
admin-customer-notes = Notes: { $notes }
admin-customer-notes-none = Notes: none
admin-btn-customer-notes = 📝 Add note
admin-btn-customer-erase = 🗑 Erase data
admin-btn-customer-back = ⬅️ Customer card
admin-btn-yes-erase-customer = Yes, erase
admin-customer-gone = No such customer: their data may have been erased.
admin-customer-ask-notes = Send the notes about { $name }: they replace the current notes and may have at most { $max } characters. Send - to clear them, or /skip to keep them.
admin-customer-current-notes = Current notes: { $notes }
admin-customer-notes-too-long = Notes may have at most { $max } characters; these have { $got }. Send shorter notes, or /skip to keep the current ones.
admin-customer-notes-invalid = Notes must not contain control characters. Send them again, or /skip to keep the current ones.
admin-customer-notes-saved = Notes saved.
admin-customer-notes-kept = Notes left as they were.
admin-customer-ask-erase = Erase the personal data of { $name } on their request? Their record and notes are deleted; their bookings stay without their name and phone, for statistics. { $count ->
        [0] They have no upcoming bookings.
        [one] Their upcoming booking is cancelled first, with a message to them.
       *[other] Their { $count } upcoming bookings are cancelled first, with a message to them.
    }
admin-customer-being-told = { $count ->
        [one] Their upcoming booking is cancelled
       *[other] Their { $count } upcoming bookings are cancelled
    } and the customer is being told. Press Erase again in a minute to finish: erasing now would delete the message before it goes out.
admin-customer-erased = Erased: the customer's record is deleted; { $count ->
        [one] { $count } booking stays
       *[other] { $count } bookings stay
    } without their name and phone, for statistics.
admin-customer-still-changing = Their bookings kept changing, so nothing was erased yet. Please try again.
my-bookings-past = Your recent visits:
past-visit = { $when } · { $service } · { $status }
my-data-bookings = Bookings stored about you ({ $count }):
my-data-bookings-more = …and { $count } more.
btn-save-details = 💾 Save as my details
save-details-offer = This booking is for { $name }, { $phone }. Your saved details stay as they are unless you save these instead.
save-details-done = Saved: next time we will offer { $name }, { $phone }.
save-details-phone-taken = This phone number is in another customer's record, so your details were not changed. Please contact us if it is yours.
contact-saved = Saved your number { $phone }. The booking page fills it in for you.
contact-linked = Saved your number { $phone }: we already knew you by it, so your bookings made by phone are now under "My bookings".
contact-name-invalid = We could not keep this contact: its name is not one we can store. Please type your phone on the booking page or book here once.
