"""The built-in cover sites: small, ordinary hobby sites that the web chat hides in.

Threat (docs/threat-model.md, A1): the abuser picks up the survivor's phone and scrolls. One
screen of three recipes passes a glance, not a second look, so each cover is a small site a
real person might keep: a few sections with dated posts and pictures, an "about" section, a
way to get in touch that is the chat's own link (never a person's number, never a real
address) and a footer. Nothing in any of them may name the service or what it is for; a test
checks every text here against a list of such words (tests/foundation/test_cover_sites.py).

A deployment picks one with `[cover] site` and may replace its texts (app/deployment/cover.py).
The pictures are drawn inline (app/templates/cover_pictures.html, by `picture` name), so a
page stays one request. Dates are fixed: a hobby site's dates do not move between two looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Post:
    """One dated entry: a recipe, a note from the plot, a walk report."""

    title: str
    date: date
    text: str
    picture: str = ""  # a drawing's name in cover_pictures.html; "" for none
    detail: str = ""   # a short line under the date: "Serves 4", "6 miles, easy"


@dataclass(frozen=True)
class Section:
    """A part of the page with its own place in the navigation."""

    anchor: str  # the in-page address (#recipes): navigation that needs no script
    heading: str
    intro: str
    posts: tuple[Post, ...]


@dataclass(frozen=True)
class CoverSite:
    """The ordinary-looking site the web chat hides in; nothing here may name the service."""

    site: str
    title: str       # the tab title: what a look over a shoulder sees first
    icon_text: str   # drawn as the favicon: a couple of letters on a coloured square
    heading: str
    tagline: str
    paragraphs: tuple[str, ...]  # the welcome at the top, beside the chat's link
    chat_link: str               # the link that opens the chat, in the cover's own words
    sections: tuple[Section, ...]
    about: tuple[str, ...]
    contact: tuple[str, ...]
    footer: str
    picture: str     # the welcome's drawing
    background: str
    accent: str
    # The cover's own language: its page keeps this language and direction whatever the
    # survivor chooses for the chat (the chat's panel carries the survivor's).
    language: str = "en"
    # The page's own small words, in the cover's language.
    about_heading: str = "About"
    contact_heading: str = "Contact"
    top_link: str = "Back to top"

    @property
    def direction(self) -> str:
        return "rtl" if self.language in ("ar", "ur", "fa", "he") else "ltr"

    def texts(self) -> dict[str, str]:
        """Every text a visitor can read, by where it is (for the checks that it names
        nothing)."""
        found = {name: getattr(self, name) for name in
                 ("title", "icon_text", "heading", "tagline", "chat_link", "footer",
                  "about_heading", "contact_heading", "top_link")}
        for name in ("paragraphs", "about", "contact"):
            found.update({f"{name}[{i}]": text for i, text in enumerate(getattr(self, name))})
        for section in self.sections:
            found[f"{section.anchor}.heading"] = section.heading
            found[f"{section.anchor}.intro"] = section.intro
            for i, post in enumerate(section.posts):
                for field in ("title", "text", "detail"):
                    found[f"{section.anchor}[{i}].{field}"] = getattr(post, field)
        return found


KITCHEN = CoverSite(
    site="kitchen",
    title="Hollybrook Kitchen",
    icon_text="HK",
    heading="Hollybrook Kitchen",
    tagline="Simple weeknight recipes from a small kitchen.",
    paragraphs=(
        "Food for ordinary evenings: one pan where we can, a supermarket shop, and nothing "
        "that needs a gadget. Every recipe here has been cooked at least three times before "
        "it goes up.",
    ),
    chat_link="Ask the cook a question",
    sections=(
        Section("recipes", "Recipes", "This month's favourites, newest first.", (
            Post("Lentil soup with lemon", date(2026, 11, 24),
                 "Soften an onion and a carrot in olive oil, add 200 g red lentils, a litre of "
                 "stock and a bay leaf, and simmer for twenty minutes. Blend half of it, then "
                 "finish with the juice of half a lemon and plenty of black pepper.",
                 "soup", "Serves 4 · 30 minutes"),
            Post("Tray-bake chicken with peppers", date(2026, 11, 10),
                 "Chicken thighs, potatoes cut small and two peppers, tossed with olive oil, "
                 "smoked paprika and a little salt. Forty minutes at 200 °C, turning once. "
                 "A spoonful of yoghurt on the side.",
                 "tray", "Serves 4 · 50 minutes"),
            Post("Apple and blackberry crumble", date(2026, 10, 19),
                 "Four apples, a handful of frozen blackberries and a spoon of sugar under "
                 "a crumble of 150 g flour, 75 g butter and 50 g oats. Thirty-five minutes, "
                 "until the fruit bubbles at the edges.",
                 "crumble", "Serves 6 · 50 minutes"),
            Post("Overnight oats", date(2026, 10, 5),
                 "Oats, milk and a spoon of yoghurt in a jar, stirred and left in the fridge. "
                 "In the morning, grated apple and cinnamon, or whatever fruit needs eating.",
                 "jar", "Serves 1 · 5 minutes"),
        )),
        Section("diary", "Kitchen diary", "Notes from the kitchen table.", (
            Post("Cooking once for three evenings", date(2026, 11, 17),
                 "A big pot of tomato sauce on Sunday becomes pasta on Monday, a bean chilli "
                 "on Tuesday and shakshuka on Wednesday. Cool it quickly and it keeps three "
                 "days in the fridge.", "pot"),
            Post("What is good in November", date(2026, 11, 2),
                 "Leeks, parsnips, red cabbage and the last of the apples. Parsnips roast "
                 "beautifully with a little honey; red cabbage braises slowly with vinegar.",
                 "leaf"),
        )),
    ),
    about=(
        "Hollybrook Kitchen is a small recipe site written at one kitchen table since 2019. "
        "There are no adverts and no sponsored posts: just the food we actually cook.",
        "Measurements are in grams and spoons, oven temperatures for a fan oven.",
    ),
    contact=(
        "Questions about a recipe? Use “Ask the cook a question” at the top of the page; "
        "the most common ones are answered in the kitchen diary.",
    ),
    footer="© 2026 Hollybrook Kitchen · Recipes cooked and written at home.",
    picture="bowl",
    background="#fbf8f3",
    accent="#1d5c4a",
)

GARDEN = CoverSite(
    site="garden",
    title="Greenacre Plot Diary",
    icon_text="GP",
    heading="Greenacre Plot Diary",
    tagline="A half plot, season by season.",
    paragraphs=(
        "Notes from a half plot on a town allotment site: what went in, what came up, and "
        "what the slugs had. Written for anyone starting out with a few beds of their own.",
    ),
    chat_link="Ask the gardener",
    sections=(
        Section("plot", "On the plot", "The latest from the beds, newest first.", (
            Post("Garlic in before the frost", date(2026, 11, 21),
                 "Twenty cloves of a hardneck variety, pointy end up, two fingers deep and a "
                 "hand's width apart. A thin mulch of leaf mould on top and they can be left "
                 "alone until spring.", "garlic", "Bed 3"),
            Post("Lifting the last leeks", date(2026, 11, 8),
                 "The leeks stood well through October. Lift them with a fork rather than "
                 "pulling, trim the roots on the plot and wash them in the water butt.",
                 "leek", "Bed 5"),
            Post("Saving tomato seed", date(2026, 10, 11),
                 "Squeeze the seeds of a ripe tomato into a jar with a little water, leave it "
                 "three days, rinse in a sieve and dry on a plate. Label it: you will not "
                 "remember which was which.", "tomato", "Greenhouse"),
        )),
        Section("guides", "Growing guides", "Short guides for the jobs that come round each "
                "year.", (
            Post("Making leaf mould", date(2026, 10, 25),
                 "Pack wet autumn leaves into a bin bag, punch a few holes in it and put it "
                 "behind the shed. In two years it is the best seed compost there is.",
                 "leaves", "Autumn job"),
            Post("Autumn-sown broad beans", date(2026, 10, 3),
                 "Sown in late October they stand the winter and crop weeks before spring "
                 "sowings. Put a few extra in a pot to fill the gaps.",
                 "beans", "Sow October to November"),
        )),
    ),
    about=(
        "Greenacre Plot Diary is kept by one gardener with a half plot on a council "
        "allotment site, since 2018. Two beds became ten; most years the beans do well and "
        "the carrots do not.",
        "Everything here is grown without chemicals and on a small budget.",
    ),
    contact=(
        "Seed swaps are announced here in February. Questions about a crop? Use “Ask the "
        "gardener” at the top of the page.",
    ),
    footer="© 2026 Greenacre Plot Diary · Grown and written on the plot.",
    picture="sprout",
    background="#f6f8f1",
    accent="#3b5f1e",
)

WALKING = CoverSite(
    site="walking",
    title="Millbrook Saturday Walkers",
    icon_text="MW",
    heading="Millbrook Saturday Walkers",
    tagline="Friendly local walks, every Saturday morning.",
    paragraphs=(
        "We are a small, friendly group who walk five to eight miles on Saturday mornings, "
        "at a sociable pace, usually with a café at the end. New walkers are always welcome: "
        "no booking and no membership fee.",
    ),
    chat_link="Ask about a walk",
    sections=(
        Section("walks", "Walks programme", "Walks start at 9:30 unless it says otherwise.", (
            Post("Every Saturday: the main walk", date(2026, 11, 28),
                 "Five to eight miles on field paths and quiet lanes, with a stop for "
                 "coffee. We meet in the car park by the library.", "boots",
                 "Moderate · stiles and some mud"),
            Post("First Wednesday of the month: the short walk", date(2026, 11, 28),
                 "Three miles on level paths around the lakes, ending at the garden centre "
                 "café. Good for anyone coming back to walking.", "path", "Easy · level"),
        )),
        Section("reports", "Walk reports", "What we did, and who got the muddiest.", (
            Post("Round the reservoir in the rain", date(2026, 11, 21),
                 "Fourteen of us set off in waterproofs and finished in sunshine. The path "
                 "along the north shore is closed for repairs, so we came back over the "
                 "dam.", "hills", "7 miles"),
            Post("Autumn colours in the woods", date(2026, 11, 7),
                 "A short circuit through the beech woods at their best. Thank you to "
                 "everyone who brought cake for the leader's birthday.", "tree", "5 miles"),
            Post("Along the old railway line", date(2026, 10, 24),
                 "Flat, dry and fast: the old line out to the next village and back along "
                 "the river. Two new walkers joined us; we hope to see them again.",
                 "bridge", "8 miles"),
        )),
    ),
    about=(
        "The Millbrook Saturday Walkers started in 2015 as a few neighbours who liked a "
        "long walk. We are run by volunteers who take turns to lead.",
        "Bring boots, a waterproof and a drink. Dogs on leads are welcome on most walks.",
    ),
    contact=(
        "Just come along to the car park by the library at 9:30 on a Saturday. Questions "
        "before your first walk? Use “Ask about a walk” at the top of the page.",
    ),
    footer="© 2026 Millbrook Saturday Walkers · Run by volunteers.",
    picture="hills",
    background="#f4f6f8",
    accent="#2c4f73",
)

BUILT_IN: dict[str, CoverSite] = {cover.site: cover for cover in (KITCHEN, GARDEN, WALKING)}


def default_cover() -> CoverSite:
    return KITCHEN
