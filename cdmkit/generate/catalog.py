"""The fictional company's product catalogue and the products bought together.

Examples
--------
>>> CATALOG["category"].nunique(), len(CATALOG)
(8, 50)
>>> BUNDLE_RATE
0.12
"""

from __future__ import annotations

import pandas as pd

from .people import N_CATEGORIES

__all__ = ["CATALOG", "BUNDLES", "BUNDLE_RATE"]

_PRODUCTS = {
    "Home & Kitchen": [("Enamel teapot", 34.0), ("Linen tea towel set", 14.5),
                       ("Ceramic mug", 9.0), ("Cast iron skillet", 42.0),
                       ("Bamboo chopping board", 18.0), ("Glass storage jars (3)", 21.0),
                       ("Wool throw", 65.0)],
    "Fashion": [("Merino scarf", 39.0), ("Canvas tote bag", 16.0), ("Leather belt", 45.0),
                ("Cotton socks (3 pairs)", 12.0), ("Rain jacket", 89.0), ("Knitted beanie", 19.0)],
    "Beauty": [("Hand cream", 8.5), ("Rose face oil", 26.0), ("Shea soap bar", 5.5),
               ("Lip balm trio", 11.0), ("Bath salts", 15.0), ("Hair brush", 22.0)],
    "Electronics": [("Wireless earbuds", 79.0), ("USB-C charger", 24.0),
                    ("Bluetooth speaker", 59.0), ("E-reader cover", 29.0),
                    ("Desk lamp", 48.0), ("Power bank", 35.0)],
    "Books": [("Cookbook: Persian kitchen", 25.0), ("Novel: The Quiet Harbour", 9.99),
              ("Travel guide: Japan", 18.0), ("Notebook A5 dotted", 12.0),
              ("Children's picture book", 7.99), ("Calligraphy set", 31.0),
              ("Puzzle book", 6.5)],
    "Toys & Games": [("Wooden puzzle", 19.0), ("Card game", 14.0), ("Kite", 23.0),
                     ("Board game: Silk Road", 38.0), ("Plush fox", 17.0), ("Origami kit", 9.0)],
    "Sports & Outdoors": [("Yoga mat", 32.0), ("Water bottle", 15.0), ("Hiking socks", 13.0),
                          ("Picnic blanket", 36.0), ("Camping mug", 11.0),
                          ("Resistance bands", 17.0)],
    "Grocery & Tea": [("Earl Grey tea 250g", 8.0), ("Saffron 2g", 12.5), ("Sencha tea 100g", 11.0),
                      ("Pistachios 500g", 14.0), ("Dark chocolate bar", 3.5),
                      ("Honey 340g", 7.5)],
}

#: The product catalogue: ``product_id``, ``product_name``, ``category``, ``unit_price`` (GBP).
CATALOG = pd.DataFrame(
    [(f"SKU-{100 + 10 * ci + pi}", name, cat, price)
     for ci, (cat, items) in enumerate(_PRODUCTS.items()) for pi, (name, price) in enumerate(items)],
    columns=["product_id", "product_name", "category", "unit_price"])
assert CATALOG["category"].nunique() == N_CATEGORIES

#: Products that are often bought together, and the share of baskets that add such a pair.
BUNDLES = [("Enamel teapot", "Earl Grey tea 250g"), ("Yoga mat", "Water bottle"),
           ("Wireless earbuds", "USB-C charger"), ("Cookbook: Persian kitchen", "Saffron 2g"),
           ("Board game: Silk Road", "Card game"), ("Rain jacket", "Hiking socks"),
           ("Hand cream", "Lip balm trio"), ("Ceramic mug", "Sencha tea 100g")]
BUNDLE_RATE = 0.12
