"""Writes the nasty-file corpus read by tests/corpus.rs. Run once; the files are committed so
that every regression stays pinned even if this script changes. Python 3, standard library."""
import io, zipfile

H = "ID,Q1,Q2,局区,M\n"
def w(name, data):
    with open(name, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))

w("empty.csv", b"")
w("bom_only.csv", b"\xef\xbb\xbf")
w("header_only.csv", H)
w("ragged.csv", H + "1,4,4,中央区,1\n2,4\n3,4,4,中央区,1,extra,cells\n4,4,4,中央区,1\n")
w("quotes_and_newlines.csv", H + '1,4,3,"中央\n区",1\n2,"4",2,"東区 ""本庁""",2\n3,5,1,"a,b",1;2\n')
w("unterminated_quote.csv", H + '1,4,3,中央区,1\n2,4,3,"東区,1\n3,4,3,中央区,1\n')
w("nul_bytes.csv", (H + "1,4,3,中央区,1\n2,4\x00,3,東区,1\n3,4,3,\x00,1\n").encode("utf-8"))
w("truncated_utf8.csv", (H + "1,4,3,中央区,1\n2,4,3,東").encode("utf-8")[:-2])
w("mixed_encodings.csv", (H + "1,4,3,中央区,1\n").encode("utf-8") + "2,4,3,東区,1\n".encode("cp932") + b"3,4,3,x,1\n")
w("lone_cr.csv", H.replace("\n", "\r") + "1,4,3,中央区,1\r2,5,5,東区,2\r")
w("utf16_no_bom.csv", (H + "1,4,3,中央区,1\n").encode("utf-16-le"))
w("binary.csv", bytes(range(256)) * 4)
w("header_duplicates.csv", "ID,Q1,Q1,局区,M\n1,4,3,中央区,1\n")
w("only_blank_rows.csv", H + ",,,,\n\n,,,,\r\n")
w("cp932_vendor.csv", (H + "1,4,3,髙森①,1\n2,5,4,ﾁｭｳｵｳ,2\n").encode("cp932"))
w("wide_unicode.csv", H + "1,４,３,中央区\u200b,１\n2,4,3,\U0001F600,1\n3,\u0661,3,中央区,1\n")

buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    z.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='a' sheetId='1' r:id='rId1'/></sheets>")
data = buf.getvalue()
w("truncated.xlsx", data[: len(data) // 2])
w("not_a_zip.xlsx", b"PK\x03\x04 this is not really a zip file")
w("truncated.parquet", b"PAR1" + bytes(range(200)) + b"PAR1")
w("garbage.arrow", b"ARROW1\x00\x00" + b"\xff" * 64)
