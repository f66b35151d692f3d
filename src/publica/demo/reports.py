"""Varied free-text descriptions for the demo's past reports, so a classifier trained on the
demo learns how residents write, not one template: short and long, calm and cross, British
and American words, lower case, capitals and slips of the keyboard. All wording is invented
for Millbrook; no text comes from real reports.
"""

from __future__ import annotations

import random

from publica.demo.people import STREETS

__all__ = ["FIELDS", "describe"]

#: The form question each service keeps the resident's own words in (default
#: `description`), and the answers that make the form ask it.
FIELDS: dict[str, tuple[str, dict[str, str]]] = {
    "bulky-waste": ("collection_point_details", {"collection_point": "other"}),
}

_PROBLEMS: dict[str, list[str]] = {
    "pothole": [
        "a deep pothole",
        "a big hole in the road",
        "the road surface is breaking up",
        "potholes all along the road",
        "a crater in the middle of the lane",
        "a sunken patch of tarmac",
        "the tarmac has cracked and crumbled",
        "a hole that keeps getting bigger",
        "the old repair has broken up again",
        "a dip in the road where they dug it up",
        "loose gravel and a hole by the kerb",
        "the road is falling apart",
        "a pot hole that fills with rainwater",
        "a manhole cover that rocks and clanks when cars go over it",
        "a broken paving slab sticking up on the footpath",
        "the pavement has lifted",
        "a rut in the cycle lane",
        "a chunk of road missing",
        "uneven road surface",
        "a pothole deep enough to burst a tyre",
        "road damage after the frost",
        "the sidewalk is cracked and heaving",
        "asphalt broken up at the junction",
    ],
    "streetlight": [
        "the street light is out",
        "a lamp post not working",
        "the streetlamp keeps flickering",
        "the light stays on all day",
        "three lights in a row are out",
        "the street is pitch black at night",
        "a street lamp that buzzes and goes off",
        "the lamp column has been knocked over",
        "a lamppost leaning badly after a crash",
        "the cover on the lamp post is open and wires are showing",
        "the bulb has gone in the light outside my house",
        "the light goes on and off",
        "no lighting on the footpath",
        "a dim orange light that barely works",
        "the lamp head is hanging off",
        "streetlight out near the crossing",
        "light pole damaged",
        "the light by the bus shelter is dead",
    ],
    "missed-bin": [
        "my bin was not collected",
        "the bin men missed our street",
        "recycling not emptied",
        "the green bin was skipped again",
        "they did not take the general waste",
        "food caddy left full",
        "bins missed on collection day",
        "the lorry went past and didn't stop",
        "our garden waste bin was missed",
        "the whole road's recycling is still out",
        "bin left unemptied for the second week",
        "rubbish not picked up",
        "trash pickup missed",
        "the blue bin wasn't emptied",
        "collection missed and now the bags have split",
        "nobody came for the bins",
        "only half the bins on the street were emptied",
        "glass box not collected",
    ],
    "fly-tipping": [
        "someone has dumped rubbish",
        "fly tipping in the lay-by",
        "a mattress dumped on the verge",
        "bags of rubbish dumped in the alley",
        "builders rubble tipped by the field gate",
        "an old fridge left on the pavement",
        "a pile of tyres dumped",
        "household waste dumped next to the recycling bins",
        "a sofa dumped in the lane",
        "garden waste tipped over the fence onto the green",
        "illegal dumping behind the shops",
        "furniture and boxes left on the corner",
        "a van tipped a load of plasterboard",
        "black sacks dumped at the end of the road",
        "someone dumped a TV and a carpet",
        "trash dumped on the side of the road",
        "junk left in the car park",
        "asbestos sheets dumped near the brook",
    ],
    "graffiti": [
        "graffiti on the wall",
        "someone has spray painted the bus shelter",
        "tags all over the underpass",
        "offensive graffiti on the fence",
        "paint sprayed on the bridge",
        "vandals have sprayed the play area",
        "scrawl on the shop shutters",
        "stickers plastered all over the lamp posts",
        "fly posters on the phone box",
        "racist words painted on the garage doors",
        "new tags on the railway bridge",
        "marker pen all over the bench",
        "graffiti on the war memorial",
        "spray paint on the side of the library",
        "someone has tagged the school wall",
        "paint on the road sign",
    ],
    "noise": [
        "loud music from next door",
        "the neighbours party every weekend",
        "a dog barking all day",
        "a burglar alarm ringing for hours",
        "building work starting at 6 am",
        "shouting and banging late at night",
        "bass thumping through the wall",
        "a car alarm going off repeatedly",
        "noise from the pub garden until late",
        "drilling every evening",
        "the dogs at the kennels howl constantly",
        "a generator running all night",
        "loud parties upstairs",
        "the factory fans hum all night",
        "people revving engines in the car park",
        "music blaring from a car",
        "noisy neighbours keeping us awake",
        "the house alarm won't stop",
    ],
    "fallen-tree": [
        "a tree has fallen across the road",
        "a big branch has come down",
        "a tree is leaning over the footpath",
        "a dead tree looks ready to fall",
        "branches hanging over the road",
        "a tree blown down in the storm",
        "a split trunk about to come down",
        "a limb hanging off the oak",
        "the tree is touching the power lines",
        "a tree blocking the cycle path",
        "roots have lifted and the tree is tilting",
        "storm damage to a tree on the green",
        "a snapped bough blocking the lane",
        "tree limbs down on the sidewalk",
        "an overhanging tree from a garden is blocking the path",
        "a rotten tree by the school",
        "a tree down on a parked car",
    ],
    "blocked-drain": [
        "the drain is blocked",
        "a gully full of leaves",
        "water not draining from the road",
        "the road floods every time it rains",
        "a storm drain clogged with rubbish",
        "a huge puddle that never drains",
        "the drain grate is missing",
        "a broken drain cover",
        "the drain smells of sewage",
        "water pouring across the pavement",
        "silt and mud blocking the gully",
        "the catch basin is backed up",
        "surface water flooding the junction",
        "the culvert is blocked with branches",
        "ice on the road where the drain overflows",
        "drain overflowing onto the footpath",
        "blocked roadside drain",
    ],
    "bulky-waste": [
        "an old sofa",
        "a double mattress",
        "a broken fridge freezer",
        "a wardrobe and a chest of drawers",
        "a dining table and four chairs",
        "an old washing machine",
        "two armchairs",
        "a bed frame and mattress",
        "a rolled up carpet",
        "a cooker",
        "a kids bike and a TV",
        "a sofa bed",
        "an old settee",
        "a tumble dryer",
        "a large desk",
    ],
}
_PLACES = [
    "outside number {n} {street}",
    "on {street}",
    "at the corner of {street}",
    "by the bus stop on {street}",
    "near the school on {street}",
    "at the end of {street}",
    "opposite the shops on {street}",
    "in the alley behind {street}",
    "next to the park",
    "by the post box on {street}",
    "at the junction with {street}",
    "down {street}",
]
_OPENERS = [
    "",
    "",
    "",
    "Hi, ",
    "Hello, ",
    "Please can you help, ",
    "Just to let you know ",
    "Again!! ",
    "Reporting ",
    "Not for the first time, ",
    "Urgent: ",
    "Morning, ",
]
_DETAILS = [
    "",
    "",
    "",
    "It has been like this for two weeks.",
    "It is getting worse.",
    "Someone will get hurt.",
    "I reported it last month and nothing happened.",
    "It is dangerous at night.",
    "Lots of children walk past here.",
    "This is the third time I've reported it.",
    "Please sort it out.",
    "It is really bad since the weekend.",
    "My elderly neighbour is worried.",
    "Can someone come and look?",
    "It's a disgrace.",
    "Thanks.",
    "Cheers",
]
_BULKY = [
    "Please collect {item} from {where}.",
    "I need {item} taken away, it will be {where}.",
    "{item} to go, left {where}.",
    "Could you pick up {item}? It is {where}.",
    "Getting rid of {item} - {where}.",
    "{item} and some boxes, {where}",
]
_BULKY_WHERE = [
    "by the front gate",
    "on the drive",
    "at the kerb",
    "beside the garage",
    "in the front garden",
    "by the bin store",
    "at the side of the house",
]


def describe(rng: random.Random, slug: str, *, limit: int = 1000) -> str | None:
    """A resident's description of a report to `slug`, or None for services without one."""
    problems = _PROBLEMS.get(slug)
    if not problems:
        return None
    problem = rng.choice(problems)
    street = rng.choice(STREETS)
    if slug == "bulky-waste":
        text = rng.choice(_BULKY).format(item=problem, where=rng.choice(_BULKY_WHERE))
        return _style(rng, text[0].upper() + text[1:])[:limit]
    place = rng.choice(_PLACES).format(n=rng.randrange(1, 120), street=street)
    shape = rng.random()
    if shape < 0.15:  # terse, as typed into a phone app
        text = f"{problem} {street}"
    elif shape < 0.55 and problem.startswith(("a ", "an ")):
        text = f"{rng.choice(_OPENERS)}there is {problem} {place}. {rng.choice(_DETAILS)}"
    else:
        details = f"{rng.choice(_DETAILS)} {rng.choice(_DETAILS)}"
        text = f"{rng.choice(_OPENERS)}{problem} {place}. {details}"
    return _style(rng, text.strip())[:limit]


def _style(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.05:
        text = text.upper()
    elif roll < 0.4:
        text = text.lower().replace(".", "").replace("'", "")
    if rng.random() < 0.25:
        text = _slip(rng, text)
    return text


def _slip(rng: random.Random, text: str) -> str:
    """One or two typing slips: a dropped, doubled or swapped letter."""
    letters = list(text)
    for _ in range(rng.randint(1, 2)):
        at = rng.randrange(1, max(2, len(letters) - 1))
        if not letters[at].isalpha():
            continue
        kind = rng.random()
        if kind < 0.4:
            del letters[at]
        elif kind < 0.7:
            letters.insert(at, letters[at])
        elif at + 1 < len(letters):
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
    return "".join(letters)
