"""Customer PII built column-wise: realistic-looking and deliberately a little dirty, as CRM data is."""

import numpy as np
import pandas as pd

from lakehouse.sources import vocab
from lakehouse.sources.randomness import fixed_width_strings

ATTRIBUTES = ["first_name", "last_name", "email", "phone", "street", "city", "postal_code", "country"]


def _postal_codes(rng: np.random.Generator, patterns: np.ndarray) -> np.ndarray:
    codes = np.empty(len(patterns), dtype=object)
    for pattern in np.unique(patterns):
        rows = np.flatnonzero(patterns == pattern)
        chars = np.tile(np.frombuffer(pattern.encode(), dtype=np.uint8), (len(rows), 1))
        for placeholder, first, span in ((b"#", ord("0"), 10), (b"@", ord("A"), 26)):
            columns = np.flatnonzero(chars[0] == placeholder[0])
            chars[:, columns] = first + rng.integers(0, span, (len(rows), len(columns)), dtype=np.uint8)
        codes[rows] = fixed_width_strings(chars).to_numpy(zero_copy_only=False)
    return codes


def _text(rng: np.random.Generator, choices: list[str], n: int) -> pd.Series:
    return pd.Series(rng.choice(choices, n))


def _numbers(rng: np.random.Generator, low: int, high: int, n: int) -> pd.Series:
    return pd.Series(rng.integers(low, high, n).astype(str))


def _dirty(rng: np.random.Generator, clean: pd.Series, variants: list[pd.Series], share: float) -> np.ndarray:
    """Replace a `share` of values by one of the dirty variants, spread evenly over the variants."""
    choice = rng.choice(len(variants) + 1, len(clean), p=[1 - share] + [share / len(variants)] * len(variants))
    return np.select([choice == i + 1 for i in range(len(variants))], variants, clean)


def _emails(rng: np.random.Generator, first: pd.Series, last: pd.Series) -> np.ndarray:
    n = len(first)
    number = pd.Series(np.where(rng.random(n) < 0.5, rng.integers(1, 100, n).astype(str), ""))
    local = (first + "." + last).str.lower().str.translate(vocab.EMAIL_TRANSLITERATION)
    clean = local + number + "@" + _text(rng, vocab.EMAIL_DOMAINS, n)
    return _dirty(rng, clean, [clean.str.upper(), clean.str.title(), " " + clean + " "], share=0.15)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    code, area, number = _text(rng, vocab.CALLING_CODES, n), _numbers(rng, 20, 999, n), _numbers(rng, 10**5, 10**7, n)
    international = "+" + code + " " + area + " " + number
    national = ["0" + area + "-" + number, "(0" + area + ") " + number]
    unformatted = ["00" + code + area + number, "+" + code + area + number]
    return _dirty(rng, international, national + unformatted, share=0.6)


def _addresses(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    city, country, postal_pattern = (np.array(column) for column in zip(*vocab.CITIES))
    picked = rng.integers(0, len(city), n)
    iso = pd.Series(country[picked])
    return {
        "street": (_text(rng, vocab.STREETS, n) + " " + _numbers(rng, 1, 200, n)).to_numpy(),
        "city": city[picked],
        "postal_code": _postal_codes(rng, postal_pattern[picked]),
        "country": _dirty(rng, iso, [iso.str.lower(), iso.map(vocab.COUNTRY_NAMES), " " + iso + " "], share=0.07),
    }


def new_people(rng: np.random.Generator, index: pd.Index) -> pd.DataFrame:
    """One person per index entry (the index may repeat, e.g. several updates of one customer)."""
    n = len(index)
    first, last = _text(rng, vocab.FIRST_NAMES, n), _text(rng, vocab.LAST_NAMES, n)
    columns = {"first_name": first.to_numpy(), "last_name": last.to_numpy(), "email": _emails(rng, first, last)}
    columns |= {"phone": _phones(rng, n), **_addresses(rng, n)}
    return pd.DataFrame(columns, index=index)[ATTRIBUTES]
