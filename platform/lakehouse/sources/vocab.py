"""Small vocabularies that make the generated records look like a European retailer's data."""

FIRST_NAMES = [
    "Anna", "Lukas", "Sophie", "Jonas", "Emma", "Leon", "Mia", "Felix", "Hannah", "Paul",
    "Olivia", "Noah", "Amelia", "Oliver", "Isla", "Jack", "Chloé", "Hugo", "Léa", "Louis",
    "Giulia", "Marco", "Sofia", "Luca", "Lucía", "Mateo", "Zofia", "Jakub", "Elsa", "Erik",
    "Sanne", "Daan", "Ayşe", "Mehmet", "Fatima", "Omar", "Priya", "Arjun", "Mei", "Kenji",
]
LAST_NAMES = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Smith", "Jones",
    "Taylor", "Brown", "Wilson", "Martin", "Bernard", "Dubois", "Rossi", "Russo", "Ferrari", "García",
    "Fernández", "López", "Nowak", "Kowalski", "Wiśniewski", "Andersson", "Johansson", "de Vries", "Jansen",
    "Bakker",
    "Yılmaz", "Kaya", "O'Brien", "Murphy", "Novák", "Horváth", "Nielsen", "Hansen", "Costa", "Silva",
]
EMAIL_DOMAINS = ["gmail.com", "web.de", "gmx.net", "outlook.com", "yahoo.co.uk", "orange.fr", "libero.it", "icloud.com"]
STREETS = [
    "Hauptstraße", "Bahnhofstraße", "Gartenweg", "High Street", "Station Road", "Rue de la Paix", "Via Roma",
    "Calle Mayor", "Kerkstraat", "Storgatan", "ulica Długa", "Seestraße", "Church Lane", "Avenue Victor Hugo",
]

# city, ISO-2 country, postal code pattern ('#' a digit, '@' a capital letter)
CITIES = [
    ("Berlin", "DE", "10###"), ("Hamburg", "DE", "20###"), ("München", "DE", "80###"), ("Köln", "DE", "50###"),
    ("Frankfurt am Main", "DE", "60###"), ("Wien", "AT", "1###"), ("Zürich", "CH", "80##"),
    ("London", "GB", "SW1A #@@"), ("Manchester", "GB", "M1 #@@"), ("Paris", "FR", "750##"), ("Lyon", "FR", "690##"),
    ("Milano", "IT", "201##"), ("Roma", "IT", "001##"), ("Madrid", "ES", "280##"), ("Barcelona", "ES", "080##"),
    ("Amsterdam", "NL", "10## @@"), ("Rotterdam", "NL", "30## @@"), ("Stockholm", "SE", "11# ##"),
    ("Warszawa", "PL", "00-###"), ("Kraków", "PL", "30-###"), ("New York", "US", "100##"),
]
COUNTRY_NAMES = {
    "DE": "Germany", "AT": "Austria", "CH": "Switzerland", "GB": "United Kingdom", "FR": "France", "IT": "Italy",
    "ES": "Spain", "NL": "Netherlands", "SE": "Sweden", "PL": "Poland", "US": "United States",
}
CALLING_CODES = ["49", "43", "41", "44", "33", "39", "34", "31", "46", "48", "1"]
# Folds the accented letters of the name vocabularies into the ASCII that email addresses use.
EMAIL_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ç": "c", "í": "i", "á": "a", "ó": "o",
     "ú": "u", "ł": "l", "ś": "s", "ş": "s", "ı": "i", "ğ": "g", "ň": "n", "'": "", " ": ""}
)
CURRENCY_OF_COUNTRY = {
    "DE": "EUR", "AT": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR", "NL": "EUR",
    "CH": "CHF", "GB": "GBP", "SE": "SEK", "PL": "PLN", "US": "USD",
}
# Units of each currency per EUR: the level the FX API starts from and the rate used to price orders.
EUR_REFERENCE_RATES = {
    "EUR": 1.0, "USD": 1.08, "GBP": 0.85, "CHF": 0.95, "SEK": 11.3, "PLN": 4.3,
    "JPY": 162.0, "DKK": 7.46, "NOK": 11.6, "CZK": 25.1,
}

CATEGORIES = {
    "apparel": ["T-Shirt", "Hoodie", "Jeans", "Rain Jacket", "Sneakers", "Wool Scarf"],
    "home": ["Coffee Mug", "Table Lamp", "Cushion", "Throw Blanket", "Plant Pot", "Wall Clock"],
    "electronics": ["Headphones", "USB-C Charger", "Smart Speaker", "Power Bank", "Webcam", "E-Reader"],
    "sports": ["Yoga Mat", "Water Bottle", "Running Belt", "Dumbbell Set", "Bike Light", "Tennis Balls"],
    "beauty": ["Face Cream", "Shampoo", "Lip Balm", "Perfume", "Hand Soap", "Sunscreen"],
    "grocery": ["Espresso Beans", "Green Tea", "Olive Oil", "Dark Chocolate", "Granola", "Honey"],
}
PRODUCT_ADJECTIVES = [
    "Classic", "Organic", "Premium", "Eco", "Compact", "Deluxe", "Everyday", "Nordic", "Urban", "Vintage",
]

SUPPLIERS = [  # name, ISO-2 country
    ("Rheinland Textil GmbH", "DE"), ("Nordic Home AB", "SE"), ("Milano Moda S.p.A.", "IT"),
    ("Polska Electronics Sp. z o.o.", "PL"), ("Atlantic Sports Ltd", "GB"), ("Alpen Beauty AG", "CH"),
    ("Iberia Foods S.L.", "ES"), ("Lyon Maison SARL", "FR"), ("Dutch Garden B.V.", "NL"),
    ("Wiener Kaffee GmbH", "AT"), ("Thames Gadgets Ltd", "GB"), ("Baltic Wool OÜ", "SE"),
    ("Hudson Supply Inc.", "US"), ("Bavaria Outdoor GmbH", "DE"),
]

# Real user-agent strings are long; they are kept whole because they dominate the clickstream's byte size.
USER_AGENTS = {
    "mobile": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
    ],
    "desktop": [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    ],
    "tablet": [
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
    ],
}
EXTERNAL_REFERRERS = [
    "https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/",
    "https://www.instagram.com/", "https://newsletter.example-retail.com/",
]
SHOP_URL = "https://shop.example-retail.com"
