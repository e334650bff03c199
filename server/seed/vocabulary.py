"""The words the demo business is made of: people, places, trades, goods and phrases.

Plain data, no logic: the builders in this package draw from these lists with a seeded
`random.Random`, so the same seed always makes the same business. Every list is a list or
tuple (never a set) because iteration order must not depend on string hashing.
"""

from __future__ import annotations

from typing import NamedTuple

# ----------------------------------------------------------------------------- staff

# (name, role, active): one user per role, two more sales reps, one of whom has left.
USERS: tuple[tuple[str, str, bool], ...] = (
    ("Maria Lopez", "ADMIN", True),
    ("David Chen", "MANAGER", True),
    ("Aisha Patel", "SALES_REP", True),
    ("Tom Becker", "SALES_REP", True),
    ("Grace Okafor", "VIEWER", True),
    ("Luis Romero", "SALES_REP", False),
)

FIRST_NAMES = (
    "James",
    "Olivia",
    "Robert",
    "Emma",
    "Michael",
    "Sophia",
    "William",
    "Ava",
    "Daniel",
    "Mia",
    "Joseph",
    "Isabella",
    "Carlos",
    "Grace",
    "Andrew",
    "Chloe",
    "Kevin",
    "Hannah",
    "Brian",
    "Nora",
    "Jason",
    "Lily",
    "Eric",
    "Zoe",
    "Samuel",
    "Priya",
    "Marcus",
    "Elena",
    "Patrick",
    "Rosa",
    "Anthony",
    "Megan",
    "Tyler",
    "Fatima",
    "Victor",
    "Laura",
    "Hiroshi",
    "Ingrid",
    "Omar",
    "Claire",
)

SURNAMES = (
    "Harper",
    "Nguyen",
    "Kowalski",
    "Johnson",
    "Garcia",
    "Miller",
    "O'Brien",
    "Schmidt",
    "Rossi",
    "Anderson",
    "Patel",
    "Murphy",
    "Larson",
    "Kim",
    "Novak",
    "Fischer",
    "Dubois",
    "Walsh",
    "Reyes",
    "Bennett",
    "Sullivan",
    "Jensen",
    "Morales",
    "Becker",
    "Olsen",
    "Hughes",
    "Carter",
    "Brooks",
    "Delgado",
    "Foster",
    "Keller",
    "Lindqvist",
    "Moreau",
    "Petrov",
    "Quinn",
    "Ramirez",
    "Tanaka",
    "Vasquez",
    "Weber",
    "Young",
)

# ---------------------------------------------------------------------------- places


class City(NamedTuple):
    name: str
    region: str  # two-letter state or province, or None abroad
    postal: str  # a believable postal code (US: a ZIP prefix to complete)
    area_code: str
    tax_rate_e4: int  # combined sales tax, percent in 1/10000
    weight: int  # how many customers come from there (the business is in Chicago)


US_CITIES = (
    City("Chicago", "IL", "606", "312", 102500, 14),
    City("Evanston", "IL", "602", "847", 102500, 4),
    City("Naperville", "IL", "605", "630", 77500, 4),
    City("Springfield", "IL", "627", "217", 97500, 2),
    City("Milwaukee", "WI", "532", "414", 79000, 5),
    City("Madison", "WI", "537", "608", 55000, 3),
    City("Minneapolis", "MN", "554", "612", 90250, 3),
    City("Columbus", "OH", "432", "614", 75000, 2),
    City("Cleveland", "OH", "441", "216", 80000, 2),
    City("Detroit", "MI", "482", "313", 60000, 2),
    City("Grand Rapids", "MI", "495", "616", 60000, 2),
    City("Indianapolis", "IN", "462", "317", 70000, 3),
    City("St. Louis", "MO", "631", "314", 96790, 2),
    City("Kansas City", "MO", "641", "816", 88500, 1),
    City("Nashville", "TN", "372", "615", 92500, 1),
    City("Atlanta", "GA", "303", "404", 89000, 1),
    City("Austin", "TX", "787", "512", 82500, 1),
    City("Dallas", "TX", "752", "214", 82500, 1),
    City("Denver", "CO", "802", "303", 88100, 1),
    City("Phoenix", "AZ", "850", "602", 86000, 1),
    City("Portland", "OR", "972", "503", 0, 1),
    City("Seattle", "WA", "981", "206", 103500, 1),
    City("San Diego", "CA", "921", "619", 77500, 1),
    City("Boston", "MA", "021", "617", 62500, 1),
    City("Brooklyn", "NY", "112", "718", 88750, 1),
    City("Philadelphia", "PA", "191", "215", 80000, 1),
    City("Pittsburgh", "PA", "152", "412", 70000, 1),
    City("Charlotte", "NC", "282", "704", 72500, 1),
    City("Richmond", "VA", "232", "804", 60000, 1),
    City("Baltimore", "MD", "212", "410", 60000, 1),
)

STREETS = (
    "Main St",
    "Oak Ave",
    "Industrial Pkwy",
    "Commerce Dr",
    "Market St",
    "Elm St",
    "Lakeview Rd",
    "River Rd",
    "Maple Ave",
    "Washington Blvd",
    "2nd St",
    "Park Ave",
    "Harbor Way",
    "Mill Rd",
    "Station St",
    "Cedar Ln",
    "Lincoln Ave",
    "Division St",
    "Clark St",
    "Kinzie St",
)


class ForeignPlace(NamedTuple):
    city: str
    region: str | None
    postal: str
    country: str  # ISO 3166 alpha-2, as the US addresses use "US"
    street: str
    phone: str  # a format with one {n} for two digits
    currency: str  # what the customer is invoiced in


FOREIGN_PLACES = (
    ForeignPlace("Dublin", None, "D02 X285", "IE", "Grafton Street", "+353 1 555 01{n}", "EUR"),
    ForeignPlace("Hamburg", None, "20457", "DE", "Am Sandtorkai", "+49 40 5550 01{n}", "EUR"),
    ForeignPlace("Toronto", "ON", "M5V 2T6", "CA", "King St W", "+1 416-555-01{n}", "CAD"),
    ForeignPlace("Monterrey", "NL", "64000", "MX", "Av. Constitución", "+52 81 5550 01{n}", "USD"),
    ForeignPlace("Vancouver", "BC", "V6B 1A1", "CA", "Water St", "+1 604-555-01{n}", "USD"),
)

# What one unit of each currency was worth in US dollars, in units of 1e-8 (roughly).
USD_VALUE_E8 = {"USD": 100_000_000, "EUR": 108_500_000, "CAD": 73_200_000, "GBP": 127_000_000}

# --------------------------------------------------------------------------- trades

PLACE_WORDS = (
    "Riverside",
    "Lakeshore",
    "Oak Street",
    "Maple",
    "Harbor",
    "Summit",
    "Bluebird",
    "Golden Spoon",
    "Northside",
    "Prairie",
    "Cedar",
    "Red Barn",
    "Iron Horse",
    "Union",
    "Twin Pines",
    "Copper Kettle",
    "Blue Door",
    "Sunrise",
    "Westfield",
    "Hilltop",
    "Millbrook",
    "Old Town",
    "Pioneer",
    "Heartland",
    "Silver Birch",
    "Three Rivers",
    "Keystone",
    "Liberty",
    "Evergreen",
    "Lantern",
    "Wildflower",
    "Granite",
    "Fox Valley",
    "Windy City",
    "Lakeside",
    "Brick Oven",
)


class Trade(NamedTuple):
    templates: tuple[str, ...]  # {P}: a place word, {S}: a surname
    categories: tuple[str, ...]  # item categories it buys
    weight: int


TRADES = {
    "bakery": Trade(
        ("{P} Bakery", "{S}'s Bakery", "{P} Bake Shop", "{S} & Sons Bakery", "{P} Patisserie"),
        ("BAK", "PKG", "CLN"),
        14,
    ),
    "restaurant": Trade(
        (
            "{P} Bistro",
            "{P} Grill",
            "{S}'s Kitchen",
            "{P} Diner",
            "{S} Trattoria",
            "{P} Taqueria",
            "{P} Brasserie",
        ),
        ("PRD", "FSV", "CLN", "BEV"),
        22,
    ),
    "cafe": Trade(
        ("{P} Coffee House", "{S}'s Café", "{P} Espresso Bar", "{P} Tea Room"),
        ("BEV", "BAK", "FSV"),
        10,
    ),
    "hardware": Trade(
        ("{P} Hardware", "{S} Building Supply", "{P} Hardware & Lumber", "{S} Bros. Hardware"),
        ("HDW", "PKG"),
        12,
    ),
    "clinic": Trade(
        (
            "{P} Family Clinic",
            "{S} Dental Care",
            "{P} Veterinary Hospital",
            "{P} Physical Therapy",
            "{S} Pediatrics",
        ),
        ("MED", "CLN", "PKG"),
        10,
    ),
    "grocery": Trade(
        ("{P} Market", "{S}'s Grocers", "{P} Food Co-op", "{P} Fine Foods"),
        ("PRD", "BAK", "PKG", "BEV"),
        10,
    ),
    "hotel": Trade(
        ("{P} Inn", "{P} Hotel", "{S} House Bed & Breakfast"), ("CLN", "BEV", "FSV", "PKG"), 5
    ),
    "catering": Trade(
        ("{P} Catering", "{S} Events & Catering", "{P} Banquets"), ("PRD", "FSV", "BEV"), 7
    ),
    "janitorial": Trade(
        ("{P} Cleaning Services", "{S} Janitorial", "{P} Facility Care"), ("CLN", "PKG"), 6
    ),
    "auto": Trade(("{P} Auto Repair", "{S}'s Garage", "{P} Tire & Brake"), ("HDW", "CLN"), 4),
}

# (head office name, branch name, trade): a head office pays for its branches' orders.
CHAINS = (
    ("{P} Hospitality Group", "{P} Kitchen {city}", "restaurant"),
    ("{S} Family Markets", "{S}'s Market {city}", "grocery"),
    ("{P} Dental Partners", "{P} Dental {city}", "clinic"),
    ("{P} Hotels", "{P} Inn {city}", "hotel"),
)

LEGAL_SUFFIXES = (("", 40), (" LLC", 30), (" Inc.", 20), (" Co.", 10))

MAILBOXES = ("orders", "accounts", "purchasing", "info", "office", "ap")

LOCATION_NAMES = (
    "Main warehouse",
    "Back dock",
    "Downtown store",
    "Central kitchen",
    "North side",
    "Annex",
    "Distribution center",
    "Storefront",
    "Commissary",
    "South plant",
)

# ------------------------------------------------------------------------------ goods


class ItemSpec(NamedTuple):
    code: str
    description: str
    unit: str
    price: str  # a decimal string, never a float
    cost_pct: int  # unit cost as a percentage of the price
    active: bool = True


ITEMS = (
    ItemSpec("BAK-1001", "All-purpose flour, 25 kg sack", "EA", "21.50", 68),
    ItemSpec("BAK-1002", "Bread flour, high gluten", "KG", "1.18", 70),
    ItemSpec("BAK-1003", "Granulated sugar", "KG", "1.42", 74),
    ItemSpec("BAK-1004", "Unsalted butter, 36 x 1 lb", "CASE", "142.00", 81),
    ItemSpec("BAK-1005", "Instant dry yeast, 20 x 500 g", "CASE", "96.40", 63),
    ItemSpec("BAK-1006", "Baking parchment sheets, 1000 ct", "BOX", "48.75", 58),
    ItemSpec("BAK-1007", "Dark chocolate callets 54%", "KG", "14.90", 72),
    ItemSpec("BAK-1008", "Pure vanilla extract, 1 L", "EA", "38.25", 66),
    ItemSpec("FSV-2001", "Nitrile food-service gloves, L, 1000 ct", "BOX", "62.00", 64),
    ItemSpec("FSV-2002", "Compostable take-out boxes, 9 in, 200 ct", "CASE", "54.30", 61),
    ItemSpec("FSV-2003", "Dinner napkins, 2-ply, 3000 ct", "CASE", "47.80", 59),
    ItemSpec("FSV-2004", "Aluminum foil roll, 18 in x 500 ft", "EA", "31.60", 67),
    ItemSpec("FSV-2005", "Deli containers 16 oz with lids, 240 ct", "CASE", "39.95", 62),
    ItemSpec("FSV-2006", "Wooden stirrers, 10000 ct", "BOX", "18.40", 48),
    ItemSpec("FSV-2007", "Hot cups 12 oz, 1000 ct", "CASE", "72.50", 63),
    ItemSpec("FSV-2008", "Plastic wrap, 18 in x 2000 ft", "EA", "24.90", 60),
    ItemSpec("BEV-3001", "Espresso beans, house blend", "KG", "21.40", 57),
    ItemSpec("BEV-3002", "Decaf coffee beans", "KG", "23.80", 59),
    ItemSpec("BEV-3003", "Black tea bags, 500 ct", "BOX", "29.90", 55),
    ItemSpec("BEV-3004", "Oat milk barista edition, 12 x 1 L", "CASE", "38.40", 71),
    ItemSpec("BEV-3005", "Sparkling water, 24 x 500 ml", "CASE", "16.75", 69),
    ItemSpec("BEV-3006", "Orange juice, 6 x 1.75 L", "CASE", "27.60", 76),
    ItemSpec("BEV-3007", "Cane sugar sticks, 2000 ct", "BOX", "22.10", 52),
    ItemSpec("BEV-3008", "Hot chocolate mix, 2 kg", "EA", "19.95", 61, False),
    ItemSpec("CLN-4001", "Multi-surface cleaner concentrate, 4 x 1 gal", "CASE", "58.20", 54),
    ItemSpec("CLN-4002", "Paper towel rolls, 30 ct", "CASE", "44.60", 66),
    ItemSpec("CLN-4003", "Toilet tissue, 2-ply, 96 ct", "CASE", "71.30", 68),
    ItemSpec("CLN-4004", "Trash liners 45 gal, 100 ct", "BOX", "36.80", 57),
    ItemSpec("CLN-4005", "Foaming hand soap refill, 6 x 1 L", "CASE", "41.25", 55),
    ItemSpec("CLN-4006", "Floor degreaser, 5 gal pail", "EA", "67.90", 53),
    ItemSpec("CLN-4007", "Microfiber cloths, 24 ct", "BOX", "19.60", 45),
    ItemSpec("CLN-4008", "Dish detergent, low foam, 2 x 2.5 gal", "CASE", "52.40", 58),
    ItemSpec("HDW-5001", "Wood screws #8 x 1-1/4 in, 1 lb", "BOX", "9.85", 51),
    ItemSpec("HDW-5002", "Hex bolts 3/8 x 2 in, zinc, 50 ct", "BOX", "14.70", 53),
    ItemSpec("HDW-5003", "Duct tape, 2 in x 60 yd", "EA", "6.40", 56),
    ItemSpec("HDW-5004", "Work gloves, leather palm", "EA", "7.95", 49),
    ItemSpec("HDW-5005", "Extension cord 50 ft, 12/3", "EA", "48.50", 62),
    ItemSpec("HDW-5006", "LED shop light 4 ft", "EA", "34.90", 58),
    ItemSpec("HDW-5007", "Interior latex paint, white, 1 gal", "EA", "27.80", 64),
    ItemSpec("HDW-5008", "Galvanized nails 16d", "KG", "4.60", 60, False),
    ItemSpec("MED-6001", "Nitrile exam gloves, M, 100 ct", "BOX", "11.40", 61),
    ItemSpec("MED-6002", "Surgical masks, level 2, 50 ct", "BOX", "9.80", 47),
    ItemSpec("MED-6003", "Alcohol prep pads, 200 ct", "BOX", "5.75", 52),
    ItemSpec("MED-6004", "Gauze sponges 4 x 4 in, 200 ct", "BOX", "8.90", 55),
    ItemSpec("MED-6005", "Exam table paper, 12 rolls", "CASE", "46.20", 63),
    ItemSpec("MED-6006", "Hand sanitizer gel, 12 x 500 ml", "CASE", "54.00", 50),
    ItemSpec("MED-6007", "Disposable syringes 3 ml, 100 ct", "BOX", "17.30", 58),
    ItemSpec("MED-6008", "Adhesive bandages, assorted, 100 ct", "BOX", "4.85", 46),
    ItemSpec("PKG-7001", "Corrugated boxes 12 x 12 x 12 in, 25 ct", "CASE", "28.40", 62),
    ItemSpec("PKG-7002", "Packing tape, 48 mm x 100 m, 36 rolls", "CASE", "63.50", 59),
    ItemSpec("PKG-7003", "Kraft paper bags #8, 500 ct", "CASE", "33.90", 57),
    ItemSpec("PKG-7004", "Thermal receipt rolls, 50 ct", "CASE", "37.20", 54),
    ItemSpec("PKG-7005", "Shipping labels 4 x 6 in, 1000 ct", "BOX", "26.75", 48),
    ItemSpec("PKG-7006", "Copy paper, letter, 10 reams", "CASE", "49.90", 72),
    ItemSpec("PKG-7007", "Bubble wrap roll, 12 in x 175 ft", "EA", "22.60", 55),
    ItemSpec("PKG-7008", "Stretch film, 18 in x 1500 ft", "EA", "19.40", 61),
    ItemSpec("PRD-8001", "Extra virgin olive oil, 3 L tin", "EA", "29.80", 73),
    ItemSpec("PRD-8002", "San Marzano tomatoes, 6 x #10 can", "CASE", "48.60", 70),
    ItemSpec("PRD-8003", "Long-grain rice", "KG", "2.35", 68),
    ItemSpec("PRD-8004", "Dried penne pasta, 2 x 10 lb", "CASE", "24.80", 64),
    ItemSpec("PRD-8005", "Kosher salt, 3 lb, 12 ct", "CASE", "26.40", 58),
    ItemSpec("PRD-8006", "Canola frying oil, 35 lb", "EA", "41.90", 78),
    ItemSpec("PRD-8007", "Black peppercorns, whole", "KG", "18.20", 60),
    ItemSpec("PRD-8008", "Wildflower honey, 5 lb jar", "EA", "24.50", 67),
)

# ------------------------------------------------------------------------- phrases

ORDER_DESCRIPTIONS = (
    None,
    None,
    None,
    "Weekly restock",
    "Monthly standing order",
    "Rush: needed by Friday",
    "Holiday season stock-up",
    "Opening inventory",
    "Replacement for damaged delivery",
    "Quarterly supplies",
    "Per phone call with buyer",
    "Event order",
)

JOB_DESCRIPTIONS = (
    "Custom printed packaging run",
    "Private-label kitting",
    "Pallet rework and relabel",
    "Assembled starter kits",
    "Custom blend, bagged and labelled",
)

NOTE_BODIES = {
    "GENERAL": (
        "Buyer prefers deliveries before 10am; use the loading dock on the side street.",
        "Updated account details after the owner's visit.",
        "They are remodelling the {location}; expect smaller orders for a few weeks.",
        "Tax-exempt certificate on file, renewed this year.",
        "Asked for our new catalog with {item} on the first page.",
    ),
    "CALL": (
        "Called {contact} about the {item} price increase; accepted for next order.",
        "{contact} called to check delivery times for the {location}.",
        "Left a voicemail for {contact} about reordering {item}.",
        "Spoke with {contact}: happy with service, considering a standing order.",
    ),
    "MEETING": (
        "Visited the {location} with {contact}; walked through their storage and reorder points.",
        "Quarterly review with {contact}: volumes up, wants better pricing on {item}.",
        "Lunch meeting with {contact}; introduced our cleaning line.",
    ),
    "EMAIL": (
        "Sent {contact} the updated price list.",
        "Emailed statement of account to {contact}.",
        "{contact} emailed a question about {item} pack sizes; answered same day.",
    ),
    "FOLLOW_UP": (
        "Follow up with {contact} on the quote for {item}.",
        "Check in with {contact} after the first delivery to the {location}.",
        "Remind {contact} about the open balance before the next order.",
    ),
    "COMPLAINT": (
        "{contact} reported a short shipment of {item}; credit issued.",
        "Delivery to the {location} arrived late; apologised and offered free freight.",
        "Damaged cases of {item} on arrival; driver photos attached to the claim.",
    ),
}

NOTE_TYPE_WEIGHTS = (
    ("GENERAL", 25),
    ("CALL", 30),
    ("MEETING", 10),
    ("EMAIL", 20),
    ("FOLLOW_UP", 10),
    ("COMPLAINT", 5),
)

REMINDER_TITLES = (
    "Call {contact} about reorder",
    "Send quote to {customer}",
    "Visit {customer}",
    "Review credit limit for {customer}",
    "Check on delivery for {customer}",
)

LEAD_PROGRAMS = (
    "Spring Restock Campaign",
    "Trade Show Follow-up",
    "Key Account Expansion",
    "Win-back Lapsed Accounts",
)

LEAD_SOURCES = ("Trade show", "Website inquiry", "Referral", "Cold call", "Existing account upsell")

LEAD_NOTE_BODIES = (
    "Sent samples of {item}; they will test next week.",
    "Budget approved for the next quarter, decision by the owner.",
    "Competitor quoted lower; we are better on delivery.",
    "Asked for volume pricing on {item}.",
    "Met the new purchasing manager; good fit for a standing order.",
)
