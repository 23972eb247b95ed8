"""Namespace and algorithm identifiers that appear on the wire."""

from typing import Final

EDXML_NS: Final = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
EDXML_PREFIX: Final = "edXML"

DSIG_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
DSIG_FILTER2_NS: Final = "http://www.w3.org/2002/06/xmldsig-filter2"

C14N_INCLUSIVE: Final = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_EXCLUSIVE: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
# The hub's sample writes the exclusive algorithm under this (non-standard) URI.
C14N_EXCLUSIVE_LEGACY: Final = "http://www.w3.org/TR/xml-exc-c14n#"
TRANSFORM_ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
TRANSFORM_FILTER2: Final = "http://www.w3.org/2002/06/xmldsig-filter2"

RSA_SHA256: Final = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1: Final = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
DIGEST_SHA256: Final = "http://www.w3.org/2001/04/xmlenc#sha256"
DIGEST_SHA1: Final = "http://www.w3.org/2000/09/xmldsig#sha1"
DSIG_MANIFEST_TYPE: Final = "http://www.w3.org/2000/09/xmldsig#Manifest"
