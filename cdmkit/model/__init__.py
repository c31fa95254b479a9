"""The canonical customer model: the tables every source is mapped onto.

Four kinds of source table exist (``customers``, ``transactions``, ``events``,
``interactions``). Each canonical field has a type, a definition (used by the
catalogue), a PII class (used by masking and privacy checks) and the common
source column names it is inferred from when no mapping is given.

Keys: every record keeps ``source`` (the source name) and ``record_id`` (its key
in that source). Transactions, events and interactions refer to a customer
record through ``customer_ref`` (the customer's key in ``customer_source``);
identity resolution maps ``(customer_source, customer_ref)`` to the global
``customer_id``.

Examples
--------
>>> from cdmkit.model import FIELDS, fields_of
>>> FIELDS["customers"]["email"].pii
'direct'
>>> "amount" in fields_of("transactions")
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "KINDS",
    "PII_CLASSES",
    "Field",
    "FIELDS",
    "fields_of",
    "DIRECT_IDENTIFIERS",
    "GLOBAL_ID",
]

#: Source kinds of the customer model.
KINDS = ("customers", "transactions", "events", "interactions")

#: PII classes, from most to least identifying.
PII_CLASSES = ("direct", "quasi", "sensitive", "none")

#: Column holding the global customer ID once identity resolution has run.
GLOBAL_ID = "customer_id"


@dataclass(frozen=True)
class Field:
    """One canonical field.

    Parameters
    ----------
    name : str
        Canonical column name.
    dtype : str
        One of ``string``, ``date``, ``datetime``, ``float``, ``int``, ``bool``.
    definition : str
        Plain-language meaning, shown in the catalogue.
    pii : str
        PII class: ``direct``, ``quasi``, ``sensitive`` or ``none``.
    aliases : tuple of str
        Common source column names (compared after lower-casing and removing
        spaces, dashes, dots and underscores) from which the mapping is inferred.
    required : bool
        Whether a row without this field is rejected.

    Examples
    --------
    >>> Field("email", "string", "E-mail address", "direct", ("mail",)).pii
    'direct'
    """

    name: str
    dtype: str
    definition: str
    pii: str = "none"
    aliases: tuple[str, ...] = field(default_factory=tuple)
    required: bool = False


def _f(name, dtype, definition, pii="none", aliases=(), required=False):
    return Field(name, dtype, definition, pii, tuple(aliases), required)


_COMMON_KEYS = [
    _f("record_id", "string", "Key of the record in its source system.", "none",
       ["id", "recordid", "key", "accountid", "customerid", "custid", "contactid", "cardid",
        "loyaltycard", "cardnumber", "memberid", "subscriberid", "clientid", "customerno",
        "customernumber"], required=True),
]

_CUSTOMERS = _COMMON_KEYS + [
    _f("title", "string", "Salutation or honorific (Mr, Dr, ...).", "quasi",
       ["title", "salutation", "honorific", "prefix"]),
    _f("first_name", "string", "Given name.", "direct",
       ["firstname", "fname", "givenname", "forename", "first", "vorname", "prenom"]),
    _f("middle_name", "string", "Middle name(s).", "direct", ["middlename", "mname", "middle"]),
    _f("last_name", "string", "Family name (surname), particles kept.", "direct",
       ["lastname", "lname", "surname", "familyname", "last", "nachname", "nom"]),
    _f("full_name", "string", "Whole name when the source has no separate parts.", "direct",
       ["name", "fullname", "customername", "contactname", "displayname"]),
    _f("suffix", "string", "Name suffix (Jr, III, PhD, ...).", "quasi", ["suffix", "namesuffix"]),
    _f("email", "string", "E-mail address.", "direct",
       ["email", "emailaddress", "mail", "e-mail", "emailaddr", "eaddress"]),
    _f("phone", "string", "Telephone number (stored as E.164).", "direct",
       ["phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "cell",
        "cellphone", "landline", "msisdn", "contactnumber"]),
    _f("birth_date", "date", "Date of birth.", "quasi",
       ["birthdate", "dob", "dateofbirth", "birthday", "bdate", "born"]),
    _f("gender", "string", "Gender as stated by the customer.", "sensitive", ["gender", "sex"]),
    _f("street", "string", "Street address (house number and street).", "direct",
       ["street", "address", "address1", "addressline1", "streetaddress", "addr", "line1"]),
    _f("address_line2", "string", "Second address line.", "direct",
       ["address2", "addressline2", "line2", "apartment", "suite"]),
    _f("city", "string", "City or town.", "quasi", ["city", "town", "locality", "suburb"]),
    _f("postcode", "string", "Postal code.", "quasi",
       ["postcode", "zip", "zipcode", "postalcode", "plz", "postal"]),
    _f("region", "string", "State, province or prefecture.", "quasi",
       ["state", "region", "province", "county", "prefecture"]),
    _f("country", "string", "Country (ISO 3166-1 alpha-2 once standardised).", "none",
       ["country", "countrycode", "nation"]),
    _f("national_id", "string", "National identification number.", "direct",
       ["nationalid", "nationalcode", "ssn", "nin", "codemelli", "idnumber"]),
    _f("company", "string", "Employer or company name.", "quasi", ["company", "organisation",
                                                                    "organization", "employer"]),
    _f("language", "string", "Preferred language or locale.", "none", ["language", "lang",
                                                                        "locale"]),
    _f("created_at", "datetime", "When the record was created in the source.", "none",
       ["created", "createdat", "signupdate", "registered", "registrationdate", "joined",
        "joindate", "since"]),
    _f("updated_at", "datetime", "When the record was last changed in the source.", "none",
       ["updated", "updatedat", "modified", "lastmodified", "lastupdate"]),
    _f("consent_email", "bool", "Opted in to marketing e-mail.", "none",
       ["consentemail", "emailoptin", "newsletter", "optin", "marketingoptin", "subscribed"]),
    _f("consent_email_date", "datetime", "When e-mail consent was given or withdrawn.", "none",
       ["consentemaildate", "optindate", "subscribedat", "subscriptiondate"]),
    _f("consent_sms", "bool", "Opted in to marketing SMS.", "none", ["consentsms", "smsoptin"]),
    _f("consent_profiling", "bool", "Agreed to profiling and personalisation.", "none",
       ["consentprofiling", "profilingoptin", "personalisation"]),
]

_REF = [
    _f("customer_ref", "string", "Key of the customer record this row belongs to, in "
       "the customer source named by customer_source.", "none",
       ["customerid", "custid", "customer", "accountid", "cardid", "loyaltycard", "memberid",
        "clientid", "customerref", "customerno", "customernumber", "cust"]),
    _f("customer_source", "string", "Name of the customers source that customer_ref points "
       "into.", "none", ["customersource"]),
]

_TRANSACTIONS = [
    _f("record_id", "string", "Transaction line key in its source system.", "none",
       ["id", "lineid", "transactionid", "txid", "orderlineid"], required=False),
] + _REF + [
    _f("order_id", "string", "Order, invoice or basket number.", "none",
       ["orderid", "order", "invoice", "invoiceno", "invoiceid", "receipt", "basketid"]),
    _f("timestamp", "datetime", "When the purchase happened.", "none",
       ["timestamp", "date", "datetime", "orderdate", "invoicedate", "purchasedate", "time",
        "transactiondate"], required=True),
    _f("product_id", "string", "Product or SKU code.", "none",
       ["productid", "sku", "stockcode", "itemid", "product", "articleid"]),
    _f("product_name", "string", "Product description.", "none",
       ["productname", "description", "itemname", "item", "article"]),
    _f("category", "string", "Product category.", "none",
       ["category", "productcategory", "department", "segment"]),
    _f("quantity", "float", "Units bought (negative for returns).", "none",
       ["quantity", "qty", "units", "count"]),
    _f("unit_price", "float", "Price per unit.", "none", ["unitprice", "price", "itemprice"]),
    _f("amount", "float", "Line value (quantity x unit price when absent).", "none",
       ["amount", "total", "value", "revenue", "sales", "linetotal", "spend", "netamount"]),
    _f("currency", "string", "ISO 4217 currency code.", "none", ["currency", "curr"]),
    _f("channel", "string", "Sales channel (web, store, app, phone).", "none",
       ["channel", "saleschannel", "store", "storeid"]),
    _f("country", "string", "Country of sale.", "none", ["country"]),
    _f("status", "string", "Line status: sale, return or cancellation.", "none",
       ["status", "type", "transactiontype"]),
]

_EVENTS = [
    _f("record_id", "string", "Event key in its source system.", "none", ["id", "eventid"]),
] + _REF + [
    _f("timestamp", "datetime", "When the event happened.", "none",
       ["timestamp", "time", "datetime", "eventtime", "date", "ts"], required=True),
    _f("event_type", "string", "Kind of behaviour: page_view, click, download, search, ...",
       "none", ["eventtype", "event", "type", "action"], required=True),
    _f("page", "string", "Page, URL or screen.", "none", ["page", "url", "path", "screen"]),
    _f("device", "string", "Device or platform.", "none", ["device", "platform", "useragent"]),
    _f("session_id", "string", "Browsing session key.", "none", ["sessionid", "session"]),
]

_INTERACTIONS = [
    _f("record_id", "string", "Interaction key in its source system.", "none",
       ["id", "ticketid", "caseid", "interactionid", "callid"]),
] + _REF + [
    _f("timestamp", "datetime", "When the interaction started.", "none",
       ["timestamp", "date", "opened", "createdat", "time", "datetime"], required=True),
    _f("interaction_type", "string", "call, ticket, chat, return, survey, complaint, ...",
       "none", ["interactiontype", "type", "kind", "category"], required=True),
    _f("channel", "string", "Contact channel (phone, e-mail, chat, store).", "none",
       ["channel", "medium"]),
    _f("topic", "string", "Subject or reason.", "none", ["topic", "subject", "reason"]),
    _f("satisfaction", "float", "Satisfaction score (e.g. 1-5).", "none",
       ["satisfaction", "csat", "score", "rating"]),
    _f("resolved", "bool", "Whether the matter was resolved.", "none",
       ["resolved", "closed", "solved"]),
    _f("duration_minutes", "float", "Handling time in minutes.", "none",
       ["duration", "durationminutes", "handlingtime", "minutes"]),
    _f("notes", "string", "Free text written by the agent (may contain personal data).",
       "sensitive", ["notes", "comment", "comments", "text", "description"]),
]

#: Canonical fields per kind, keyed by field name.
FIELDS: dict[str, dict[str, Field]] = {
    "customers": {f.name: f for f in _CUSTOMERS},
    "transactions": {f.name: f for f in _TRANSACTIONS},
    "events": {f.name: f for f in _EVENTS},
    "interactions": {f.name: f for f in _INTERACTIONS},
}

#: Canonical customer fields that identify a person directly: masked in reports.
DIRECT_IDENTIFIERS = tuple(
    name for name, f in FIELDS["customers"].items() if f.pii == "direct"
)


def fields_of(kind: str) -> dict[str, Field]:
    """Return the canonical fields of a source kind.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.

    Returns
    -------
    dict of str to Field

    Raises
    ------
    ValueError
        If ``kind`` is not a known kind (the message lists the valid ones).

    Examples
    --------
    >>> sorted(fields_of("events"))[:3]
    ['customer_ref', 'customer_source', 'device']
    """
    try:
        return FIELDS[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r}; valid kinds: {', '.join(KINDS)}") from None
