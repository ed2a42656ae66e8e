"""Binary file drops: invoice PDFs and product images, a handful per batch at any scale."""

import struct
import zlib
from datetime import date

import numpy as np

from lakehouse.sources.context import BatchContext
from lakehouse.sources.timeline import day_of


def invoice_pdf(order_id: int, issued: date) -> bytes:
    """A minimal one-page PDF with a correct cross-reference table, naming the order it bills."""
    text = f"Invoice for order {order_id} issued {issued.isoformat()}".encode()
    content = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(pdf)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def product_png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A tiny RGB PNG: a product-coloured square with a white diagonal."""
    pixels = np.tile(np.array(rgb, dtype=np.uint8), (size, size, 1))
    pixels[np.arange(size), np.arange(size)] = 255
    scanlines = np.concatenate([np.zeros((size, 1), dtype=np.uint8), pixels.reshape(size, -1)], axis=1)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 9)),
            _png_chunk(b"IEND", b""),
        ]
    )


def write_documents(ctx: BatchContext, order_ids: np.ndarray, new_product_ids: np.ndarray) -> None:
    """Invoices for a sample of this batch's orders, images for products this batch introduced."""
    rng, count = ctx.rng("documents"), ctx.volumes.documents
    invoices, images = ctx.folder("docs/invoices"), ctx.folder("docs/product_images")
    issued = day_of(ctx.window.end_ms - 1)
    for order_id in np.sort(rng.choice(order_ids, min(count, len(order_ids)), replace=False)):
        invoices.write(f"invoice_{order_id}.pdf", invoice_pdf(int(order_id), issued))
    invoices.summary.add_records(min(count, len(order_ids)))
    for product_id in new_product_ids[:count]:
        images.write(f"product_{product_id}.png", product_png(tuple(rng.integers(0, 200, 3).tolist())))
    images.summary.add_records(min(count, len(new_product_ids)))
