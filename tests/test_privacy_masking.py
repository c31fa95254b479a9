"""Masking formats used in every report."""

from __future__ import annotations

import pandas as pd

from cdmkit.privacy import mask_email, mask_frame, mask_phone, masker_for


def test_masking_formats_from_the_issue():
    assert mask_email("maryam@example.com") == "m***@example.com"
    assert mask_phone("+989121234567") == "+98 912 *** **67"
    assert mask_phone("+98 912 123 4567") == "+98 912 *** **67"


def test_mask_frame_masks_canonical_and_raw_columns_only():
    df = pd.DataFrame({"email": ["ali@x.ir"], "email_raw": [" Ali@X.IR "],
                       "phone": ["+447700900123"], "first_name": ["Ali"],
                       "birth_date": ["1990-04-01"], "amount": [12.5]})
    out = mask_frame(df)
    assert out.loc[0, "email"] == "a***@x.ir"
    assert "Ali@X.IR" not in out.loc[0, "email_raw"]
    assert out.loc[0, "phone"] == "+44 770 *** **23"
    assert out.loc[0, "first_name"] == "A**"
    assert out.loc[0, "birth_date"] == "1990-**-**"
    assert out.loc[0, "amount"] == 12.5
    assert mask_frame(df, show_raw=True) is df


def test_masker_for_unknown_field_is_none():
    assert masker_for("segment") is None
    assert masker_for("last_name_raw")("Tanaka") == "T*****"


def test_name_variants_and_attributes_are_masked():
    """Readings (kana) of names and personal keys inside `attributes` are personal data too."""
    import json

    import pandas as pd

    from cdmkit.privacy import mask_frame
    from cdmkit.privacy.detect import classify_column

    assert classify_column("first_name_kana", pd.Series(["アスカ"]))["pii_class"] == "direct"
    df = pd.DataFrame({"attributes": [json.dumps({"last_name_kana": "ヤマザキ", "tier": "gold"},
                                                 ensure_ascii=False)],
                       "first_name_key": ["asuka"]})
    out = mask_frame(df)
    attrs = json.loads(out.loc[0, "attributes"])
    assert attrs == {"last_name_kana": "ヤ***", "tier": "gold"}
    assert out.loc[0, "first_name_key"] == "a****"
