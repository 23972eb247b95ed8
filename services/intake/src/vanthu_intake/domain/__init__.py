"""The registry office's rules, free of I/O: document types, numbers and notations, metadata,
registers, duplicate keys, file sniffing and the legacy import formats (ND 30/2020/NĐ-CP)."""
