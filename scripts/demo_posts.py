"""The demo's posts, written for it (no third-party text): templates with slots, per brand and kind.

Kinds follow ``bench.detection.timeline``: ``pos``, ``neu``, ``neg`` for the everyday background,
``neg_cs`` for the customer-service firestorm of Northwind Air (its booking system fails and the
phone lines and chat drown); ``praise`` for the day Polana's returnable cups go viral; ``own`` and
``reply`` in the brands' own voice; ``news`` headlines per brand and phase.
"""

from __future__ import annotations

import itertools
import random
import re

SLOTS: dict[str, tuple[str, ...]] = {
    # Northwind Air: a US East Coast airline
    "city": ("Boston", "Chicago", "Denver", "Miami", "Atlanta", "Toronto", "Orlando", "Raleigh", "Nashville"),
    "far": ("Lisbon", "Dublin", "Reykjavik", "San Juan", "Cancun", "Bermuda", "Seattle", "Austin"),
    "flight": ("NW214", "NW318", "NW402", "NW577", "NW690", "NW733", "NW845", "NW906", "NW1120"),
    "hours": ("2", "3", "4", "5"),
    "mins": ("40", "55", "70", "90", "110"),
    "crew": ("crew", "flight attendants", "gate agent", "pilot", "cabin crew"),
    # Polana: a Polish coffee-shop chain
    "miasto": ("na Mokotowie", "na Kazimierzu", "przy Rynku", "na Ochocie", "we Wrzeszczu", "na Jeżycach",
               "przy Piotrkowskiej", "na Nadodrzu", "przy dworcu", "w Galerii Północnej"),
    # indeclinable names, so that any sentence around them stays grammatical
    "kawa": ("flat white", "latte owsiane", "cappuccino", "cold brew", "espresso tonic", "americano",
             "matcha latte", "cortado"),
    "ciastko": ("sernik", "cynamonka", "szarlotka", "drożdżówka z kruszonką", "brownie", "tarta cytrynowa",
                "croissant z migdałami", "bułka z kardamonem"),
    "minuty": ("15", "20", "25", "30", "40"),
}

NORTHWIND = {
    "pos": [
        "Landed in {far} 20 minutes early with @northwindair. Lovely {crew}, smooth ride",
        "Shout out to the {crew} on {flight}, they made my kid's first flight a joy @northwindair",
        "@northwindair upgraded me to the exit row for free today. Legroom heaven",
        "Flew @northwindair {city} to {far} and honestly the snacks were better than expected",
        "The @northwindair lounge in {city} is quiet, clean and the coffee is good",
        "Props to @northwindair for rebooking me in 5 minutes after the storm. Painless",
        "Wifi worked the whole way to {far}. Got a full day of work done @northwindair",
        "Northwind's {crew} found my headphones and ran them to the gate. Thank you!",
        "Best on-time record I've had all year, every single @northwindair flight from {city}",
        "@northwindair your app's boarding pass + live gate changes are so handy",
        "Cheap fare to {far}, friendly {crew}, bag arrived first. Northwind did it again",
        "My mom flew alone for the first time and the @northwindair {crew} checked on her all flight 💙",
        "Sunset over {far} from seat 12A. Thanks @northwindair",
        "Happy to see @northwindair adding more flights from {city}, competition is good",
    ],
    "neu": [
        "@northwindair what's the carry-on size limit on the basic fare?",
        "Anyone know if @northwindair serves meals on the {city} to {far} route?",
        "Flying @northwindair to {far} next week, which side has the better view on landing?",
        "@northwindair can I add a checked bag after booking in the app?",
        "Booked {flight} to {far} for the conference. First time on Northwind",
        "@northwindair do you allow small dogs in the cabin to {far}?",
        "Is the @northwindair lounge in {city} open before 6am?",
        "Northwind or driving 9 hours to {city}... decisions",
        "@northwindair how early should I be at {city} airport for an international flight?",
        "At gate B12 in {city} waiting for {flight} @northwindair",
        "@northwindair does the frequent flyer status carry over to partner airlines?",
        "Comparing fares to {far}: Northwind is $40 cheaper with a bag included",
        "@northwindair is there a student discount on flights to {far}?",
        "Just saw a @northwindair plane with the new livery at {city}, looks sharp",
    ],
    "neg": [
        "{flight} delayed {mins} minutes again @northwindair, third time this month",
        "@northwindair my bag went to {city} and I went to {far}. Great",
        "Seat doesn't recline and the tray table is broken on {flight} @northwindair",
        "@northwindair $65 for a checked bag is a joke",
        "Wifi on {flight} died after 10 minutes and no refund @northwindair",
        "Boarding at {city} was chaos, no lines, no announcements @northwindair",
        "@northwindair why is the seat selection fee more than my sandwich budget for the week",
        "The app logged me out at the gate and the boarding pass vanished @northwindair",
        "Northwind's legroom has shrunk, my knees are in the seat in front",
        "@northwindair the coffee on {flight} was cold and the cookies were stale",
        "Sat on the tarmac in {city} for {mins} minutes with no air @northwindair",
        "@northwindair the gate changed twice and nobody told us",
    ],
    # The firestorm: the booking system fails on Tuesday morning and customer service drowns.
    "neg_cs": [
        "@northwindair {hours} hours on hold and the line just hung up on me. Is anyone working today?",
        "@northwindair your booking system ate my reservation and the chat bot keeps sending me in circles",
        "Stuck in {city}, {flight} cancelled, and @northwindair customer service won't pick up. Unbelievable",
        "@northwindair I have called 14 times. FOURTEEN. Nobody answers",
        "The @northwindair agent at the {city} desk said 'not my problem' and walked off. Disgusting service",
        "@northwindair cancelled my flight to {far} and the refund page gives an error. Who do I talk to?",
        "Day ruined by @northwindair: no flight, no answer, no hotel, no one at the desk",
        "@northwindair your 'call back' option never calls back. {hours} hours now",
        "Hey @northwindair, your DMs say 24h reply time. It's been 3 days. My flight was yesterday",
        "@northwindair the queue at the {city} service desk is 200 people long and there are two agents",
        "Rebooked by @northwindair onto a flight that doesn't exist. Chat agent disconnected. Amazing",
        "@northwindair worst customer service I've ever seen. Nobody can tell us anything",
        "Three Northwind agents, three different answers, zero solutions. Still stuck at {city}",
        "@northwindair my elderly dad has been waiting at the desk in {city} for {hours} hours. Please answer",
        "Never flying @northwindair again. {hours} hours on hold then 'we are experiencing high call volumes'",
        "@northwindair your website says my booking is cancelled, the app says confirmed, the phone says nothing",
        "If you're flying @northwindair today: don't bother calling, it's hopeless",
        "@northwindair I just want a human. Any human. Your bot is useless",
    ],
    "own": [
        "Good morning from {city}! ✈️ Our new route to {far} starts in May, fares from $189.",
        "Travelling this week? Check in in the app 24 hours before departure and skip the desk.",
        "Meet the crew of {flight}: 40 years of flying between them and still smiling.",
        "Spring sale: 20% off flights to {far} booked by Sunday.",
        "Our {city} lounge has a new coffee bar. Come say hi before your flight.",
        "Weather update: flights from {city} are running on time this afternoon.",
        "Thank you for flying with us. Tell us how we did: northwind.example/feedback",
    ],
    "reply": [
        "We're sorry about this. Please DM us your confirmation code and we'll look into it right away. ^JM",
        "Thanks for reaching out. Carry-on bags up to 22 x 14 x 9 in are free on every fare. ^AL",
        "We're sorry for the wait. Our team is on it; please send us your booking code by DM. ^JM",
        "Sorry for the trouble with your bag. DM us the file reference and we'll track it down. ^RK",
        "Thanks for your patience today. We've answered your DM with the next steps. ^RK",
        "Good question! You'll find it under Manage booking in the app; DM us if it doesn't show. ^AL",
    ],
    "thanks": [
        "Glad you enjoyed it! We'll pass your kind words to the crew. ^AL",
        "Thank you for flying with us, see you on board again soon! ^JM",
        "That's what we like to hear. Safe travels! ^RK",
    ],
    "news_calm": [
        "Northwind Air adds seasonal service from {city} to {far}",
        "Northwind Air reports record on-time performance for February",
        "Northwind Air to refresh cabins on its regional fleet",
    ],
    "news_storm": [
        "Northwind Air booking system outage strands travellers; call centre overwhelmed",
        "Northwind Air customers report hours-long waits after IT failure",
        "Northwind Air apologises as cancellations pile up at {city}",
    ],
}

POLANA = {
    "pos": [
        "Najlepsze {kawa} w mieście jest w @polana_pl {miasto}. Polecam!",
        "Polana {miasto} to moje ulubione miejsce do pracy. Ciepło, cicho i pyszna kawa",
        "{ciastko} z @polana_pl to poezja 😍",
        "Barista w Polanie {miasto} zapamiętał moje zamówienie. Drobiazg, a cieszy",
        "Uwielbiam @polana_pl za to, że mleko owsiane jest bez dopłaty",
        "Poranne {kawa} z Polany i od razu lepszy dzień ☕",
        "Super obsługa w @polana_pl {miasto}, dziewczyny zawsze uśmiechnięte",
        "Polana, {kawa} i {ciastko}. Idealna sobota",
        "Nowa Polana {miasto} jest przepiękna, dużo roślin i światła",
        "@polana_pl dzięki za kawę gratis w aplikacji, miła niespodzianka",
        "Spotkanie w Polanie {miasto}, wszyscy zachwyceni ciastem. Mój faworyt: {ciastko}",
        "Kawa z @polana_pl smakuje lepiej niż w niejednej palarni",
    ],
    "neu": [
        "@polana_pl do której jesteście otwarci w niedzielę {miasto}?",
        "Wpadnę do Polany {miasto} z psem, mam nadzieję, że można 🐶",
        "@polana_pl macie coś wegańskiego na śniadanie?",
        "Pracuję dziś z Polany {miasto}, ktoś zna hasło do wifi? Dzięki 🙂",
        "@polana_pl czy punkty z aplikacji działają też w nowych kawiarniach?",
        "Jutro spotkanie w Polanie {miasto} o 10, kto wpada?",
        "@polana_pl ile kosztuje {kawa} na wynos?",
        "Polana otwiera się {miasto}? Widziałam szyld",
        "Czy @polana_pl sprzedaje kawę ziarnistą na wagę?",
        "@polana_pl będzie w tym roku wiosenna karta?",
        "Kawa na dziś: Polana {miasto} albo ta mała kawiarnia obok. Decyzje, decyzje ☕",
        "Ktoś wie, czy w @polana_pl jest kawa bezkofeinowa?",
    ],
    "neg": [
        "Czekałam {minuty} minut na {kawa} w @polana_pl {miasto}. Za długo",
        "@polana_pl {kawa} dziś zimne i wodniste, szkoda",
        "Zamówiłem kanapkę, dostałem ciastko i nikt nie przeprosił @polana_pl",
        "Polana {miasto} znowu bez mleka owsianego o 9 rano. Irytujące",
        "@polana_pl aplikacja nie nalicza punktów od tygodnia",
        "Brudne stoliki w Polanie {miasto}, nikt nie sprząta",
        "@polana_pl 24 zł za {kawa}? Przesada",
        "Muzyka w Polanie {miasto} tak głośna, że nie da się rozmawiać",
        "Kolejka na {minuty} minut i jedna osoba za ladą. Słabo, @polana_pl",
        "@polana_pl dziś {ciastko} nie do zjedzenia, szkoda",
    ],
    # The praise spike: Polana brings returnable cups to every café and the news goes round.
    "praise": [
        "Brawo @polana_pl za kubki zwrotne w całej sieci! Tak się to robi 👏",
        "Polana wprowadza kubki na kaucję i rabat za własny kubek. Wreszcie sieciówka, która myśli o planecie",
        "Właśnie oddałam kubek zwrotny w Polanie {miasto}, zajęło 5 sekund. Genialne rozwiązanie, polecam!",
        "@polana_pl kubki zwrotne + {kawa} = mój nowy poranny rytuał ❤️",
        "Czytam o kubkach zwrotnych w Polanie i aż się uśmiechnęłam. Wielki szacunek, @polana_pl 💚",
        "To jest news dnia: @polana_pl bez jednorazowych kubków. Kocham",
        "Polana {miasto} już wydaje kawę w kubkach zwrotnych. Piękne są!",
        "Kubek zwrotny z @polana_pl można oddać w każdej kawiarni sieci. Super pomysł",
        "Dzięki @polana_pl, od dziś zero kubków w moim koszu w biurze 🌱",
        "Polana pokazuje innym sieciom, jak to się robi. Kubki zwrotne wszędzie, brawo",
    ],
    "own": [
        "Dzień dobry! ☕ W Polanie {miasto} czeka na Was {ciastko} prosto z pieca.",
        "Nowa kawiarnia Polana {miasto} już otwarta. Do soboty {kawa} za pół ceny!",
        "Od dziś w każdej Polanie kubki zwrotne: kaucja 5 zł, zwrot w dowolnej kawiarni sieci.",
        "Weekend z Polaną: do każdej kawy {ciastko} z rabatem 30%.",
        "Szukamy baristów do Polany {miasto}. Zgłoszenia: polana.example/praca",
        "Dziękujemy, że jesteście z nami. Jak smakowała dziś kawa?",
    ],
    "reply": [
        "Przykro nam! Napisz do nas w wiadomości prywatnej, które to była kawiarnia, wyjaśnimy to. ^MN",
        "Dzień dobry! W niedziele jesteśmy otwarci od 9 do 20. Zapraszamy ☕ ^KW",
        "Dziękujemy za zgłoszenie, przekazaliśmy je kierownikowi kawiarni. ^MN",
        "Tak, mamy kawę bezkofeinową i mleko roślinne w każdej kawiarni. ^KW",
        "Przepraszamy za punkty w aplikacji, już to naprawiamy. Napisz do nas na priv. ^MN",
        "Psy są u nas mile widziane, a miska z wodą czeka przy wejściu 🐶 ^KW",
    ],
    "thanks": [
        "Bardzo nam miło, przekażemy zespołowi! ^KW",
        "Dziękujemy! Do zobaczenia w Polanie ☕ ^MN",
        "Cieszymy się, że smakowało! ^KW",
    ],
    "news_calm": [
        "Polana otwiera kolejną kawiarnię {miasto}",
        "Sieć kawiarni Polana podsumowuje rok: więcej gości i nowe lokale",
    ],
    "news_storm": [
        "Polana wprowadza kubki zwrotne we wszystkich kawiarniach",
        "Kubki na kaucję w Polanie. Sieć chce wyeliminować jednorazówki do końca roku",
    ],
}

POSTS = {"Northwind Air": NORTHWIND, "Polana": POLANA}
LANGUAGE = {"Northwind Air": "en", "Polana": "pl"}
_SLOT = re.compile(r"\{(\w+)\}")


def variants(template: str, rng: random.Random, limit: int = 6) -> list[str]:
    """Up to ``limit`` distinct fillings of the template's slots (all of them when there are fewer)."""
    names = _SLOT.findall(template)
    if not names:
        return [template]
    choices = [SLOTS[name] for name in names]
    combos = list(itertools.product(*choices))
    rng.shuffle(combos)
    out = []
    for combo in combos[:limit]:
        text = template
        for value in combo:
            text = _SLOT.sub(value, text, count=1)
        out.append(text)
    return out


def texts(brand: str, kind: str, seed: int) -> list[str]:
    """Every text of the brand's kind, shuffled in a fixed order for the seed."""
    rng = random.Random(f"{seed}:{brand}:{kind}")
    out = [text for template in POSTS[brand][kind] for text in variants(template, rng)]
    rng.shuffle(out)  # taken in turn by the brands' own posts, replies and news: no template twice in a row
    return out
