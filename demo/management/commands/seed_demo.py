"""Demo data for a laptop: people in every group and incidents in different states.

Idempotent: running it again resets the demo passwords and adds only what is missing. In
English unless told (``--language tr``): the same demo, its words written in Turkish beside the
English ones (TURKISH), the people reading Turkish.
"""

import base64
import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from communications.accounts import services as accounts
from communications.listening import alerts
from communications.listening.services import volume_rollup
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.messaging.services.pages import page_switch_on
from communications.messaging.services.playbooks import playbook_write
from communications.messaging.services.wording import rule_save
from communications.models import (
    Alert,
    InboundPost,
    SocialAccount,
    Template,
    WatchTerm,
    WordingRule,
)
from config.permissions import ADMIN, MANAGER, RESPONDER, needs_two_factor
from drills.models import Drill
from drills.services import drill_save, scenarios_shipped
from incidents import services
from incidents.models import Category, ClaimStatus, Incident, Source, Status
from postmortems import flows as postmortem_flows
from teams import flows
from teams import services as team
from teams.models import (
    Department,
    OnCallShift,
    Playbook,
    Risk,
    Role,
    RosterMember,
    StakeholderGroup,
)
from teams.risks import services as risks
from teams.security.services import recovery_codes_create
from teams.stakeholders import services as stakeholders

PEOPLE = [
    # username, password, first, last, group, staff, department, title
    ("admin", "demo-admin-pass", "Deniz", "Arslan", ADMIN, True, "Security and IT", "IT lead"),
    (
        "manager",
        "demo-manager-pass",
        "Maria",
        "Kaya",
        MANAGER,
        False,
        "Communications",
        "Head of communications",
    ),
    (
        "responder",
        "demo-responder-pass",
        "Ali",
        "Demir",
        RESPONDER,
        False,
        "Communications",
        "Social media specialist",
    ),
    (
        "responder2",
        "demo-responder2-pass",
        "Zeynep",
        "Çelik",
        RESPONDER,
        False,
        "Customer care",
        "Customer care team lead",
    ),
]

STAKEHOLDER_GROUPS = [
    ("Employees", "employees", "Everyone on the payroll, stores and offices."),
    ("Customers", "customers", "People who bought from us in the last two years."),
    ("Regulators", "regulators", "Food safety and consumer protection authorities."),
    ("Media", "media", "Journalists who cover us."),
    ("Investors", "investors", "Shareholders and the board."),
]

# severity, group, channel, within minutes, what to tell
PLAN = [
    (1, "Employees", "intranet", 30, "What happened, what to say if asked, who speaks."),
    (1, "Regulators", "phone", 60, "Facts known, measures taken, next report time."),
    (1, "Media", "press_release", 60, "The holding statement."),
    (1, "Investors", "email", 120, "Impact assessment and response plan."),
    (2, "Employees", "intranet", 60, "What happened and what to say if asked."),
    (2, "Customers", "website", 120, "A statement on the website."),
    (3, "Employees", "email", 240, "A short note to the teams concerned."),
]

# role, username, primary/backup: the standing crisis team (approver backup left as a gap).
ROSTER = [
    ("crisis_lead", "manager", "primary"),
    ("crisis_lead", "admin", "backup"),
    ("communications_lead", "manager", "primary"),
    ("communications_lead", "responder", "backup"),
    ("approver", "manager", "primary"),
    ("social_media_operator", "responder", "primary"),
    ("social_media_operator", "responder2", "backup"),
    ("customer_care_lead", "responder2", "primary"),
]


# name, kind, text: the approved words the playbooks offer in the composer.
PLAYBOOK_TEMPLATES = [
    (
        "Holding statement: product safety",
        Template.Kind.HOLDING_STATEMENT,
        "We have seen the reports about {what_happened}. Our quality team is testing retained "
        "samples now; until we know more, please do not consume the product concerned. Next "
        "update by {next_update}.",
    ),
    (
        "Reply: we are checking the batch",
        Template.Kind.REPLY,
        "@{handle} Thank you for telling us. We are testing this batch right now and will "
        "update on our profile by {next_update}. If anyone feels unwell, please call "
        "0800 000 00 00.",
    ),
    (
        "Holding statement: data security",
        Template.Kind.HOLDING_STATEMENT,
        "We are investigating a possible security incident affecting some customer accounts. "
        "We have secured our systems and will tell affected customers directly. Update by "
        "{next_update}.",
    ),
    (
        "Reply: an employee's post",
        Template.Kind.REPLY,
        "@{handle} Thank you for raising this. The post does not reflect our values; we are "
        "looking into it with the team concerned.",
    ),
]

# The product safety playbook's prepared statement page (the dark site): its name, and per
# language its public headline, opening statement and questions and answers.
PREPARED_PAGE = "Product safety page"
PREPARED_PAGE_TEXTS = {
    "en": (
        "A question about one of our juices",
        "We know of the reports about one of our juices and take them seriously. Our quality "
        "team is testing retained samples now; until we know more, please keep the bottle and "
        "do not drink it. Next update at {next_update}.",
        "### What should I do with a bottle I have?\nKeep it, do not drink it; any shop takes "
        "it back, with or without a receipt.\n\n### I feel unwell. Who do I call?\nYour "
        "doctor first, then our line: 0800 000 00 00, day and night.",
    ),
    "tr": (
        "Meyve sularımızdan biri hakkında bir soru",
        "Meyve sularımızdan biriyle ilgili haberlerden haberdarız ve bunları ciddiye alıyoruz. "
        "Kalite ekibimiz saklanan numuneleri şu anda test ediyor; daha fazlasını öğrenene "
        "kadar lütfen şişeyi saklayın ve içmeyin. Bir sonraki açıklama: {next_update}.",
        "### Elimdeki şişeyi ne yapmalıyım?\nSaklayın, içmeyin; her mağaza fişli ya da fişsiz "
        "geri alır.\n\n### Kendimi iyi hissetmiyorum. Kimi aramalıyım?\nÖnce doktorunuzu, "
        "sonra gece gündüz açık hattımızı: 0800 000 00 00.",
    ),
}

# name, category, severity hint, scenario, first steps, checklist (minutes, title, the role
# that owns it, and the incident's promise it does when it does one), roles,
# stakeholders (group, channel, minutes), templates
PLAYBOOKS: list[dict[str, Any]] = [
    {
        "name": "Product safety rumour",
        "category": Category.PRODUCT_QUALITY,
        "severity_hint": 2,
        "scenario": "A post, video or news story claims one of our products made someone ill "
        "or is contaminated, before we know whether it is true.",
        "first_steps": "1. **Do not confirm or deny** until quality has the facts.\n"
        "2. Post the holding statement within 30 minutes: silence reads as guilt.\n"
        "3. Get the batch number from the post and ask the lab for retained samples.\n"
        "4. Give customer care the approved lines before the calls peak.",
        "checklist": [
            (
                15,
                "Confirm the facts with quality and the lab (batch number, retained samples)",
                Role.SUBJECT_MATTER_EXPERT,
            ),
            # The policy's first public statement: one job, one deadline.
            (30, "Publish the holding statement", Role.COMMUNICATIONS_LEAD, "first_statement"),
            (45, "Brief customer care with the approved lines", Role.CUSTOMER_CARE_LEAD),
            (60, "Decide on a precautionary recall with legal and operations", Role.CRISIS_LEAD),
            (120, "Post an update with what is known", Role.COMMUNICATIONS_LEAD),
        ],
        "roles": [
            Role.COMMUNICATIONS_LEAD,
            Role.LEGAL_REVIEWER,
            Role.CUSTOMER_CARE_LEAD,
            Role.SUBJECT_MATTER_EXPERT,
        ],
        "stakeholders": [
            ("Regulators", "phone", 60),
            ("Employees", "intranet", 60),
            ("Customers", "website", 120),
        ],
        "templates": ["Holding statement: product safety", "Reply: we are checking the batch"],
    },
    {
        "name": "Data breach",
        "category": Category.SECURITY_BREACH,
        "severity_hint": 1,
        "scenario": "Customer data (accounts, addresses, payment details) may have been "
        "exposed or stolen, or someone claims so in public.",
        "first_steps": "1. Contain first: IT rotates credentials and closes the access.\n"
        "2. Call the data protection officer: the regulator may have to be told **within 72 "
        "hours**.\n"
        "3. Say only what is confirmed; never guess the number of people affected.",
        "checklist": [
            (15, "Contain: rotate credentials and close the access", Role.SUBJECT_MATTER_EXPERT),
            (30, "Call the data protection officer", Role.LEGAL_REVIEWER),
            (60, "Decide whether the 72-hour regulator notice applies", Role.LEGAL_REVIEWER),
            (120, "Prepare the notice to affected customers with legal", Role.LEGAL_REVIEWER),
            (None, "Set up a help page and a dedicated phone line", Role.CUSTOMER_CARE_LEAD),
        ],
        "roles": [Role.LEGAL_REVIEWER, Role.SUBJECT_MATTER_EXPERT, Role.EXECUTIVE_SPONSOR],
        "stakeholders": [
            ("Regulators", "email", 240),
            ("Investors", "email", 240),
            ("Customers", "email", 480),
        ],
        "templates": ["Holding statement: data security"],
    },
    {
        "name": "Offensive post by an employee",
        "category": Category.EMPLOYEE_MISCONDUCT,
        "severity_hint": 3,
        "scenario": "Someone who works for us posts something offensive, or a video of an "
        "employee behaving badly spreads.",
        "first_steps": "1. Capture the post before it is deleted.\n"
        "2. Talk to HR and the employee's manager before saying anything about the person.\n"
        "3. Answer people directly first; a statement only if it keeps spreading.",
        "checklist": [
            (15, "Capture the post (screenshots and links)", Role.COMMUNICATIONS_LEAD),
            (30, "Talk to HR and the employee's manager", Role.LEGAL_REVIEWER),
            (60, "Decide: a statement, or direct replies only", Role.CRISIS_LEAD),
        ],
        "roles": [Role.COMMUNICATIONS_LEAD, Role.LEGAL_REVIEWER],
        "stakeholders": [("Employees", "intranet", 120)],
        "templates": ["Reply: an employee's post"],
    },
]

# title, category, likelihood, impact, owner, status, playbook, watch terms, mitigations
# (text, owner, status), incidents that realised it (titles), review in days
RISKS: list[dict[str, Any]] = [
    {
        "title": "A product safety rumour goes viral",
        "category": Category.PRODUCT_QUALITY,
        "likelihood": 4,
        "impact": 5,
        "owner": "manager",
        "playbook": "Product safety rumour",
        "early_warning_signs": "Posts naming a batch number; parents' groups sharing photos.",
        "watch_terms": ["sick", "contaminated", "batch", "recall"],
        "mitigations": [
            ("Keep retained samples of every batch for 12 months", "responder2", "done"),
            ("A lab on call for same-day tests", "manager", "in_progress"),
        ],
        "incidents": ["Viral video claims a contaminated product batch"],
        "review_days": 30,
    },
    {
        "title": "Customer data is exposed",
        "category": Category.SECURITY_BREACH,
        "likelihood": 2,
        "impact": 5,
        "owner": "admin",
        "playbook": "Data breach",
        "watch_terms": ["hacked", "leak", "my password"],
        "mitigations": [("Two-factor sign-in for customer accounts", "admin", "planned")],
        "incidents": ["Rumour of a customer data breach after the login outage"],
        "review_days": 14,
    },
    {
        "title": "An employee's post offends customers",
        "category": Category.EMPLOYEE_MISCONDUCT,
        "likelihood": 3,
        "impact": 3,
        "owner": "manager",
        "playbook": "Offensive post by an employee",
        "mitigations": [("Social media guidelines in the onboarding", "responder", "done")],
        "incidents": ["Store employee video on social media"],
        "review_days": 60,
    },
    {
        "title": "False claims about our prices or people spread",
        "category": Category.RUMOUR,
        "likelihood": 4,
        "impact": 3,
        "owner": "responder",
        "watch_terms": ["price increase", "screenshot"],
        "mitigations": [("A fact-check page we can link to", "responder", "in_progress")],
        "incidents": ["Fake screenshot of a price increase", "CEO quote taken out of context"],
        "review_days": 7,
    },
    {
        "title": "A campaign is read as insensitive",
        "category": Category.BAD_CAMPAIGN,
        "likelihood": 3,
        "impact": 4,
        "owner": "manager",
        "mitigations": [
            ("Campaigns reviewed by a diverse panel before launch", "manager", "planned")
        ],
        "incidents": ["Influencer criticises the new ad campaign"],
        "review_days": 2,
    },
    {
        "title": "A flood stops the bottling plant",
        "category": Category.NATURAL_DISASTER,
        "likelihood": 1,
        "impact": 4,
        "owner": "admin",
        "status": Risk.Status.ACCEPTED,
        "review_days": 180,
    },
]


USUAL_POSTS = (
    "@juicebrand where can I buy the mango one?",
    "@juicebrand love the new bottle",
    "@juicebrand my order is late again",
    "@juicebrand any discount this week?",
    "@juicebrand is the orange juice sugar free?",
)
STORM_POSTS = (
    "@juicebrand my kid got sick after batch 24-117, is there a recall?",
    "Batch 24-117 from @juicebrand made three of us sick. Recall it now!",
    "@juicebrand why no recall yet? People are sick from batch 24-117",
    "Anyone else sick after @juicebrand batch 24-117? Contaminated?",
)
STORM_AUTHORS = (("foodsafety_news", 1_250_000), ("drmehmet", 340_000), ("consumerwatch", 180_000))


# The demo in Turkish: each English text above (and in the command below) with its Turkish,
# as a Turkish consumer brand's crisis team would write it (docs/glossary-tr.md has the
# words). The people's names are Turkish already, but one; usernames and passwords stay.
TURKISH: dict[str, str] = {
    "Product safety page": "Ürün güvenliği sayfası",
    # people
    "Deniz": "Deniz",
    "Arslan": "Arslan",
    "Maria": "Merve",
    "Kaya": "Kaya",
    "Ali": "Ali",
    "Demir": "Demir",
    "Zeynep": "Zeynep",
    "Çelik": "Çelik",
    "IT lead": "BT sorumlusu",
    "Head of communications": "Kurumsal iletişim direktörü",
    "Social media specialist": "Sosyal medya uzmanı",
    "Customer care team lead": "Müşteri hizmetleri ekip lideri",
    "Authenticator app": "Doğrulama uygulaması",
    # the tabletop drill of last month
    "Tabletop: leaked customer data": "Masa başı tatbikatı: sızdırılan müşteri verileri",
    "A forum post claims to hold 10,000 customer records from our shop.": (
        "Bir forum gönderisi, online mağazamızdan 10.000 müşteri kaydının ele geçirildiğini "
        "iddia ediyor."
    ),
    "Legal was reached after 40 minutes; nobody knew the on-call number.": (
        "Hukuka ancak 40 dakika sonra ulaşılabildi; nöbetçi numarasını kimse bilmiyordu."
    ),
    "Put legal on the roster with a backup; publish the on-call page.": (
        "Hukuku yedeğiyle birlikte nöbet çizelgesine ekle; nöbet sayfasını yayınla."
    ),
    # stakeholders
    "Employees": "Çalışanlar",
    "Everyone on the payroll, stores and offices.": (
        "Mağazalarda ve ofislerde bordrolu çalışan herkes."
    ),
    "Customers": "Müşteriler",
    "People who bought from us in the last two years.": (
        "Son iki yılda bizden alışveriş yapan herkes."
    ),
    "Regulators": "Düzenleyici kurumlar",
    "Food safety and consumer protection authorities.": (
        "Gıda güvenliğinden ve tüketicinin korunmasından sorumlu kamu kurumları."
    ),
    "Media": "Basın",
    "Journalists who cover us.": "Markamızla ilgili haber yapan gazeteciler.",
    "Investors": "Yatırımcılar",
    "Shareholders and the board.": "Hissedarlar ve yönetim kurulu.",
    "Food safety authority duty desk": "Gıda güvenliği nöbetçi birimi",
    "Ministry of Agriculture": "Tarım ve Orman Bakanlığı",
    "Newsroom desk": "Haber merkezi",
    "Daily Herald": "Sabah Postası",
    "What happened, what to say if asked, who speaks.": (
        "Ne oldu, sorulursa ne söylenecek, kim konuşacak."
    ),
    "Facts known, measures taken, next report time.": (
        "Bilinen olgular, alınan önlemler, bir sonraki bilgilendirmenin saati."
    ),
    "The holding statement.": "İlk açıklama.",
    "Impact assessment and response plan.": "Etki değerlendirmesi ve müdahale planı.",
    "What happened and what to say if asked.": "Ne oldu ve sorulursa ne söylenecek.",
    "A statement on the website.": "Web sitesinde bir açıklama.",
    "A short note to the teams concerned.": "İlgili ekiplere kısa bir not.",
    # templates
    "Holding statement: product safety": "İlk açıklama: ürün güvenliği",
    "We have seen the reports about {what_happened}. Our quality team is testing retained "
    "samples now; until we know more, please do not consume the product concerned. Next "
    "update by {next_update}.": (
        "{what_happened} ile ilgili paylaşımları gördük. Kalite ekibimiz şahit numuneleri şu "
        "anda test ediyor; daha fazla bilgi edinene kadar lütfen ilgili ürünü tüketmeyin. "
        "Sonraki bilgilendirme: en geç {next_update}."
    ),
    "Reply: we are checking the batch": "Yanıt: partiyi kontrol ediyoruz",
    "@{handle} Thank you for telling us. We are testing this batch right now and will "
    "update on our profile by {next_update}. If anyone feels unwell, please call "
    "0800 000 00 00.": (
        "@{handle} Bize haber verdiğiniz için teşekkür ederiz. Bu partiyi şu anda test "
        "ediyoruz; sonraki bilgilendirmeyi en geç {next_update} profilimizden paylaşacağız. "
        "Rahatsızlık yaşayan olursa lütfen 0800 000 00 00 numaralı hattı arayın."
    ),
    "Holding statement: data security": "İlk açıklama: veri güvenliği",
    "We are investigating a possible security incident affecting some customer accounts. "
    "We have secured our systems and will tell affected customers directly. Update by "
    "{next_update}.": (
        "Bazı müşteri hesaplarını etkileyebilecek olası bir güvenlik olayını inceliyoruz. "
        "Sistemlerimizi güvence altına aldık; etkilenen müşterilerimize doğrudan bilgi "
        "vereceğiz. Sonraki bilgilendirme: en geç {next_update}."
    ),
    "Reply: an employee's post": "Yanıt: bir çalışanın gönderisi",
    "@{handle} Thank you for raising this. The post does not reflect our values; we are "
    "looking into it with the team concerned.": (
        "@{handle} Bunu dile getirdiğiniz için teşekkür ederiz. Söz konusu gönderi "
        "değerlerimizi yansıtmıyor; ilgili ekiple birlikte inceliyoruz."
    ),
    "Holding statement: looking into it": "İlk açıklama: inceliyoruz",
    "We are aware of reports about {what_happened}. We are looking into it as a "
    "priority and will share an update by {next_update}. ({reference})": (
        "{what_happened} ile ilgili paylaşımlardan haberdarız. Konuyu öncelikli olarak "
        "inceliyoruz; sonraki bilgilendirme: en geç {next_update}. ({reference})"
    ),
    # playbooks
    "Product safety rumour": "Ürün güvenliği söylentisi",
    "A post, video or news story claims one of our products made someone ill "
    "or is contaminated, before we know whether it is true.": (
        "Bir gönderi, video ya da haber, ürünlerimizden birinin birilerini hasta ettiğini ya "
        "da bozuk olduğunu iddia ediyor; bunun doğru olup olmadığını henüz bilmiyoruz."
    ),
    "1. **Do not confirm or deny** until quality has the facts.\n"
    "2. Post the holding statement within 30 minutes: silence reads as guilt.\n"
    "3. Get the batch number from the post and ask the lab for retained samples.\n"
    "4. Give customer care the approved lines before the calls peak.": (
        "1. Kalite ekibi olguları netleştirene kadar **ne doğrulayın ne yalanlayın**.\n"
        "2. İlk açıklamayı 30 dakika içinde yayınlayın: sessizlik suç kabulü gibi okunur.\n"
        "3. Gönderideki parti numarasını alın ve laboratuvardan şahit numuneleri isteyin.\n"
        "4. Aramalar zirveye çıkmadan müşteri hizmetlerine onaylı yanıtları verin."
    ),
    "Confirm the facts with quality and the lab (batch number, retained samples)": (
        "Olguları kalite ekibi ve laboratuvarla teyit et (parti numarası, şahit numuneler)"
    ),
    "Publish the holding statement": "İlk açıklamayı yayınla",
    "Brief customer care with the approved lines": (
        "Müşteri hizmetlerini onaylı yanıtlarla bilgilendir"
    ),
    "Decide on a precautionary recall with legal and operations": (
        "Hukuk ve operasyon ekipleriyle tedbiren toplatma kararını ver"
    ),
    "Post an update with what is known": "Bilinenlerle bir güncelleme paylaş",
    "Data breach": "Veri ihlali",
    "Customer data (accounts, addresses, payment details) may have been "
    "exposed or stolen, or someone claims so in public.": (
        "Müşteri verileri (hesaplar, adresler, ödeme bilgileri) açığa çıkmış ya da çalınmış "
        "olabilir veya biri bunu kamuoyu önünde iddia ediyor."
    ),
    "1. Contain first: IT rotates credentials and closes the access.\n"
    "2. Call the data protection officer: the regulator may have to be told **within 72 "
    "hours**.\n"
    "3. Say only what is confirmed; never guess the number of people affected.": (
        "1. Önce sınırlayın: BT kimlik bilgilerini yeniler ve erişimi kapatır.\n"
        "2. KVKK irtibat kişisini arayın: Kişisel Verileri Koruma Kurulu'na **72 saat "
        "içinde** bildirim yapılması gerekebilir.\n"
        "3. Yalnızca doğrulanmış olanı söyleyin; etkilenen kişi sayısını asla tahmin etmeyin."
    ),
    "Contain: rotate credentials and close the access": (
        "Sınırla: kimlik bilgilerini yenile ve erişimi kapat"
    ),
    "Call the data protection officer": "KVKK irtibat kişisini ara",
    "Decide whether the 72-hour regulator notice applies": (
        "Kurul'a 72 saat içinde bildirim gerekip gerekmediğine karar ver"
    ),
    "Prepare the notice to affected customers with legal": (
        "Etkilenen müşterilere gidecek bildirimi hukukla birlikte hazırla"
    ),
    "Set up a help page and a dedicated phone line": (
        "Bir yardım sayfası ve bu konuya özel bir telefon hattı kur"
    ),
    "Offensive post by an employee": "Bir çalışanın rahatsız edici gönderisi",
    "Someone who works for us posts something offensive, or a video of an "
    "employee behaving badly spreads.": (
        "Bizim için çalışan biri rahatsız edici bir şey paylaşıyor ya da bir çalışanın kötü "
        "davrandığı bir video yayılıyor."
    ),
    "1. Capture the post before it is deleted.\n"
    "2. Talk to HR and the employee's manager before saying anything about the person.\n"
    "3. Answer people directly first; a statement only if it keeps spreading.": (
        "1. Gönderi silinmeden kaydını alın.\n"
        "2. Kişi hakkında bir şey söylemeden önce İK ve çalışanın yöneticisiyle konuşun.\n"
        "3. Önce insanlara doğrudan yanıt verin; açıklama yalnızca yayılmaya devam ederse."
    ),
    "Capture the post (screenshots and links)": (
        "Gönderinin kaydını al (ekran görüntüleri ve bağlantılar)"
    ),
    "Talk to HR and the employee's manager": "İK ve çalışanın yöneticisiyle görüş",
    "Decide: a statement, or direct replies only": (
        "Karar ver: açıklama mı, yalnızca doğrudan yanıtlar mı"
    ),
    # risks
    "A product safety rumour goes viral": "Ürün güvenliğiyle ilgili bir söylentinin viral olması",
    "Posts naming a batch number; parents' groups sharing photos.": (
        "Parti numarası veren gönderiler; veli gruplarında paylaşılan fotoğraflar."
    ),
    "sick": "hasta",
    "contaminated": "bozuk",
    "batch": "parti",
    "recall": "toplatma",
    "Keep retained samples of every batch for 12 months": (
        "Her partiden 12 ay süreyle şahit numune saklama"
    ),
    "A lab on call for same-day tests": "Aynı gün test için nöbetçi laboratuvar",
    "Customer data is exposed": "Müşteri verilerinin açığa çıkması",
    "hacked": "hacklendi",
    "leak": "sızıntı",
    "my password": "şifrem",
    "Two-factor sign-in for customer accounts": "Müşteri hesapları için iki adımlı doğrulama",
    "An employee's post offends customers": (
        "Bir çalışanın gönderisinin müşterileri rahatsız etmesi"
    ),
    "Social media guidelines in the onboarding": (
        "İşe başlangıç eğitiminde sosyal medya kullanım kuralları"
    ),
    "False claims about our prices or people spread": (
        "Fiyatlarımız ya da çalışanlarımız hakkında yanlış iddiaların yayılması"
    ),
    "price increase": "zam",
    "screenshot": "ekran görüntüsü",
    "A fact-check page we can link to": "Bağlantısını verebileceğimiz bir doğrulama sayfası",
    "A campaign is read as insensitive": "Bir kampanyanın duyarsız bulunması",
    "Campaigns reviewed by a diverse panel before launch": (
        "Kampanyaların yayına girmeden önce farklı bakış açılarından oluşan bir kurulca incelenmesi"
    ),
    "A flood stops the bottling plant": "Bir selin dolum tesisini durdurması",
    # incidents
    "Viral video claims a contaminated product batch": (
        "Viral videoda bir ürün partisinin bozuk olduğu iddia ediliyor"
    ),
    "A video with 400k views claims batch 24-117 of our juice made children ill. "
    "Customer care has 60 calls in the last hour. No confirmed case so far.": (
        "400 bin kez izlenen bir videoda 24-117 numaralı meyve suyu partimizin çocukları hasta "
        "ettiği iddia ediliyor. Müşteri hizmetlerine son bir saatte 60 çağrı geldi. Şu ana "
        "kadar doğrulanmış bir vaka yok."
    ),
    "video": "video",
    "product-safety": "ürün-güvenliği",
    "First mention spotted by the listening dashboard (@foodwatch_tr).": (
        "İlk bahsetme dinleme panosunda fark edildi (@foodwatch_tr)."
    ),
    "Quality lab asked to test retained samples of batch 24-117.": (
        "Kalite laboratuvarından 24-117 partisinin şahit numunelerini test etmesi istendi."
    ),
    "Batch 24-117 made children ill in Izmir.": "24-117 partisi İzmir'de çocukları hasta etti.",
    "The company recalled all products last year and hid it.": (
        "Şirket geçen yıl bütün ürünlerini toplattı ve bunu gizledi."
    ),
    "Facebook group 'Parents of Izmir'": "“İzmirli Veliler” Facebook grubu",
    "No recall was filed: the ministry's public recall list shows none.": (
        "Böyle bir toplatma yapılmadı: Bakanlığın kamuya açık toplatma listesinde kayıt yok."
    ),
    "Brief customer care with the approved answer": (
        "Müşteri hizmetlerini onaylı yanıtla bilgilendir"
    ),
    "Secure the brand accounts (2FA check)": (
        "Marka hesaplarını güvenceye al (iki adımlı doğrulama kontrolü)"
    ),
    "Rumour of a customer data breach after the login outage": (
        "Oturum açma kesintisinin ardından müşteri verilerinin sızdığı söylentisi"
    ),
    "Customers ask whether their data leaked during yesterday's outage.": (
        "Müşteriler dünkü kesinti sırasında verilerinin sızıp sızmadığını soruyor."
    ),
    "security": "güvenlik",
    "Hackers stole 2 million customer passwords.": (
        "Hackerlar 2 milyon müşterinin şifresini çaldı."
    ),
    "Complaint thread about delivery delays": "Teslimat gecikmeleriyle ilgili şikâyet dizisi",
    "Influencer criticises the new ad campaign": (
        "Bir influencer yeni reklam kampanyasını eleştirdi"
    ),
    "campaign": "kampanya",
    "CEO quote taken out of context": "Genel müdürün sözleri bağlamından koparıldı",
    "Fake screenshot of a price increase": "Zam yapıldığını gösteren sahte ekran görüntüsü",
    "The screenshot was a parody account's post; no one repeated it.": (
        "Ekran görüntüsü bir parodi hesabın gönderisiydi; kimse yeniden paylaşmadı."
    ),
    "Store employee video on social media": ("Mağaza çalışanının sosyal medyada yayılan videosu"),
    "Handled by HR; the lessons are in the SEV2 review of March.": (
        "İK tarafından ele alındı; çıkarılan dersler mart ayındaki SEV2 değerlendirmesinde."
    ),
    # the brand's account, its mentions and messages
    "Juice Brand": "Juice Brand Türkiye",
    "Batch 24-117 of our mango juice": "Mango suyumuzun 24-117 partisi",
    "What happened: a video says bottles of batch 24-117 of our mango juice made children ill."
    "\nWhat you can do: until we know more, please do not drink bottles of batch 24-117 "
    "(printed under the cap); any shop takes them back.\nWhat we are doing: our quality lab is "
    "testing retained samples of the batch now.\nNext update: within the hour, here.": (
        "Ne oldu: bir videoda mango suyumuzun 24-117 partisindeki şişelerin çocukları hasta "
        "ettiği söyleniyor.\nNe yapabilirsiniz: daha fazlasını öğrenene kadar lütfen 24-117 "
        "partisinden (kapağın altında yazar) şişeleri içmeyin; her mağaza geri alır.\nNe "
        "yapıyoruz: kalite laboratuvarımız partinin şahit numunelerini şu anda test ediyor."
        "\nSonraki güncelleme: bir saat içinde, burada."
    ),
    "Links only to our own sites": "Yalnızca kendi sitelerimize bağlantı",
    "A link elsewhere may say something we did not approve, or stop working mid-crisis.": (
        "Başka bir yere giden bağlantı onaylamadığımız bir şey söyleyebilir ya da kriz "
        "ortasında çalışmayı bırakabilir."
    ),
    "@juicebrand is batch 24-117 safe?? My kids drank it.": (
        "@juicebrand 24-117 partisi güvenli mi?? Çocuklarım içti."
    ),
    "@juicebrand your customer line has been busy for an hour.": (
        "@juicebrand müşteri hattınız bir saattir meşgul."
    ),
    "@juicebrand do you have a statement on the video?": (
        "@juicebrand videoyla ilgili bir açıklamanız var mı?"
    ),
    "@juicebrand love the new mango flavour": "@juicebrand yeni mango aromasına bayıldım",
    "We have seen the video about batch 24-117. Our quality lab is testing retained "
    "samples now. We will update here within the hour.": (
        "24-117 partisiyle ilgili videoyu gördük. Kalite laboratuvarımız şahit numuneleri şu "
        "anda test ediyor. Bir saat içinde buradan bilgi vereceğiz."
    ),
    "Good, factual.": "Uygun, olgulara dayanıyor.",
    "We are testing batch 24-117 right now and will update within the hour. "
    "If anyone feels unwell, please call 0800 000 00 00.": (
        "24-117 partisini şu anda test ediyoruz, bir saat içinde bilgi vereceğiz. Rahatsızlık "
        "yaşayan olursa lütfen 0800 000 00 00 numaralı hattı arayın."
    ),
    "A statement is on our profile; we will post updates there.": (
        "Açıklamamız profilimizde; güncellemeleri de orada paylaşacağız."
    ),
    # listening
    "@juicebrand where can I buy the mango one?": "@juicebrand mangolu olanı nereden alabilirim?",
    "@juicebrand love the new bottle": "@juicebrand yeni şişe çok güzel olmuş",
    "@juicebrand my order is late again": "@juicebrand siparişim yine gecikti",
    "@juicebrand any discount this week?": "@juicebrand bu hafta indirim var mı?",
    "@juicebrand is the orange juice sugar free?": "@juicebrand portakal suyu şekersiz mi?",
    "@juicebrand my kid got sick after batch 24-117, is there a recall?": (
        "@juicebrand çocuğum 24-117 partisini içtikten sonra hastalandı, toplatma var mı?"
    ),
    "Batch 24-117 from @juicebrand made three of us sick. Recall it now!": (
        "@juicebrand 24-117 partisi üçümüzü de hasta etti. Hemen toplatın!"
    ),
    "@juicebrand why no recall yet? People are sick from batch 24-117": (
        "@juicebrand neden hâlâ toplatma yok? 24-117 partisi yüzünden insanlar hasta oluyor"
    ),
    "Anyone else sick after @juicebrand batch 24-117? Contaminated?": (
        "@juicebrand 24-117 partisinden sonra hastalanan başka var mı? Ürün bozuk mu?"
    ),
    "Routine, answered by customer care.": "Olağan; müşteri hizmetleri yanıtladı.",
}

# The demo's languages: the translation of its English words, None for English itself.
DEMO_LANGUAGES: dict[str, dict[str, str] | None] = {"en": None, "tr": TURKISH}


class Command(BaseCommand):
    help = "Load demo people and incidents (idempotent) and print the demo logins."

    language = "en"
    words: dict[str, str] | None = None  # the translation of the English words, None in English

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (the demo passwords are public).",
        )
        parser.add_argument(
            "--language",
            default="en",
            help=f"The demo's language: {', '.join(DEMO_LANGUAGES)} (default en).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with DEBUG "
                "on (or --allow-without-debug)."
            )
        self.language = (options["language"] or "en").strip().lower()
        if self.language not in DEMO_LANGUAGES:
            raise CommandError(
                f"There is no demo in {options['language']!r}: choose one of "
                f"{', '.join(DEMO_LANGUAGES)}."
            )
        self.words = DEMO_LANGUAGES[self.language]
        loaded = self._language_loaded()
        if loaded is not None and loaded != self.language:
            raise CommandError(
                f"The demo in this database was loaded in {loaded!r}; it is not mixed with "
                f"another language. Run seed_demo --language {loaded} (make run "
                f"LANGUAGE={loaded}), or start from an empty database (on a laptop: remove "
                "var/crisis_desk.sqlite3)."
            )
        # What the services write in words of their own (timeline events, an alert's reasons)
        # is written in the demo's language too.
        with translation.override(self.language), transaction.atomic():
            people = self._people()
            self._team(people)
            self._stakeholders(people)
            created = self._incidents(people)
            self._communications(people)
            self._playbooks(people)
            self._risks(people)
            self._listening()
            second_step = self._second_step(people)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} incidents added)."))
        self.stdout.write("Demo logins (username / password / group):")
        for username, password, _first, _last, group, *_rest in PEOPLE:
            self.stdout.write(f"  {username:<11} {password:<22} {group}")
        self.stdout.write(
            "Managers and admins sign in with a second step: a code from an authenticator app "
            "set up with their key, or one of their recovery codes (each works once; a new "
            "seed_demo run makes new ones):"
        )
        for username, (key, codes) in second_step.items():
            self.stdout.write(f"  {username:<11} key {key}   recovery codes {' '.join(codes)}")
        self.stdout.write(
            "Drill scenarios, started from Drills or with "
            "`python manage.py drill_run NAME --speed 20`:"
        )
        # The scenarios written in the demo's language come first: they are the ones to play.
        shipped = sorted(
            scenarios_shipped().items(), key=lambda item: item[1].language != self.language
        )
        for name, scenario in shipped:
            self.stdout.write(f"  {name:<24} {scenario.title} ({scenario.language})")

    def _say(self, english: str) -> str:
        """The demo's words in its language: as written here in English, else their
        translation (one missing is a KeyError, so the Turkish demo's test finds it)."""
        return english if self.words is None else self.words[english]

    def _language_loaded(self) -> str | None:
        """The language the demo in this database was loaded in (the language of its first
        template says), None before the first run."""
        english = PLAYBOOK_TEMPLATES[0][0]
        for language, words in DEMO_LANGUAGES.items():
            name = english if words is None else words[english]
            if Template.objects.filter(name=name, language=language).exists():
                return language
        return None

    def _second_step(self, people: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
        """An authenticator and fresh recovery codes for each demo person who needs two-factor
        sign-in, so the demo can be tried without setting up a phone."""
        second_step = {}
        for username, person in people.items():
            if not needs_two_factor(person):
                continue
            device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(
                    user=person, name=self._say("Authenticator app"), confirmed=True
                )
            key = base64.b32encode(device.bin_key).decode().rstrip("=")
            codes = recovery_codes_create(person=person)
            second_step[username] = (key, codes[:3])
        return second_step

    def _people(self) -> dict[str, Any]:
        User = get_user_model()
        people = {}
        for username, password, first, last, group, staff, department, title in PEOPLE:
            user, _created = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = self._say(first), self._say(last)
            user.department = Department.objects.filter(name=department).first()
            user.title = self._say(title)
            # They read the demo's language; the English demo follows the browser.
            user.language = "" if self.words is None else self.language
            user.email = f"{username}@crisis-desk.example"
            user.is_staff = staff
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=group)])
            people[username] = User.objects.get(pk=user.pk)  # fresh permission cache
        return people

    def _team(self, people: dict[str, Any]) -> None:
        admin = people["admin"]
        for slug, username, kind in ROSTER:
            if not RosterMember.objects.filter(role_id=slug, person=people[username]).exists():
                team.roster_add(
                    actor=admin,
                    role=Role.objects.get(slug=slug),
                    person=people[username],
                    kind=kind,
                )
        now = timezone.now()
        if not OnCallShift.objects.filter(ends_at__gt=now).exists():
            start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
            team.shift_add(
                actor=admin,
                role=Role.objects.get(slug=Role.APPROVER),
                person=people["admin"],
                starts_at=start,
                ends_at=start + timedelta(hours=12),
            )
            team.shift_add(
                actor=admin,
                role=Role.objects.get(slug=Role.APPROVER),
                person=people["manager"],
                starts_at=start + timedelta(hours=12),
                ends_at=start + timedelta(hours=24),
            )
        if not Drill.objects.exists():
            drill_save(
                actor=admin,
                title=self._say("Tabletop: leaked customer data"),
                scenario=self._say(
                    "A forum post claims to hold 10,000 customer records from our shop."
                ),
                held_at=now - timedelta(days=30),
                participants=[people["manager"], people["responder"], people["responder2"]],
                findings=self._say(
                    "Legal was reached after 40 minutes; nobody knew the on-call number."
                ),
                follow_ups=self._say(
                    "Put legal on the roster with a backup; publish the on-call page."
                ),
            )

    def _stakeholders(self, people: dict[str, Any]) -> None:
        if StakeholderGroup.objects.exists():
            return
        admin = people["admin"]
        groups = {}
        for name, kind, description in STAKEHOLDER_GROUPS:
            groups[name] = stakeholders.stakeholder_group_save(
                actor=admin, name=self._say(name), kind=kind, description=self._say(description)
            )
        stakeholders.stakeholder_contact_save(
            actor=admin,
            group=groups["Regulators"],
            name=self._say("Food safety authority duty desk"),
            organisation=self._say("Ministry of Agriculture"),
            email="dutydesk@regulator.example",
            phone="+90 312 000 00 00",
        )
        stakeholders.stakeholder_contact_save(
            actor=admin,
            group=groups["Media"],
            name=self._say("Newsroom desk"),
            organisation=self._say("Daily Herald"),
            email="news@herald.example",
        )
        for severity, group, channel, minutes, notes in PLAN:
            stakeholders.plan_entry_save(
                actor=admin,
                severity=severity,
                group=groups[group],
                channel=channel,
                within_minutes=minutes,
                notes=self._say(notes),
            )

    def _incidents(self, people: dict[str, Any]) -> int:
        now = timezone.now()
        manager, ali, zeynep = people["manager"], people["responder"], people["responder2"]
        created = 0

        def declare(
            title: str, *, summary: str = "", tags: Sequence[str] = (), **kwargs: Any
        ) -> Incident | None:
            nonlocal created
            title = self._say(title)
            if Incident.objects.filter(title=title).exists():
                return None
            created += 1
            return flows.incident_declare(
                title=title,
                summary=self._say(summary) if summary else "",
                tags=[self._say(tag) for tag in tags],
                **kwargs,
            )

        incident = declare(
            "Viral video claims a contaminated product batch",
            actor=ali,
            severity=1,
            category=Category.PRODUCT_QUALITY,
            source=Source.LISTENING_ALERT,
            tags=["video", "product-safety"],
            summary=(
                "A video with 400k views claims batch 24-117 of our juice made children ill. "
                "Customer care has 60 calls in the last hour. No confirmed case so far."
            ),
            detected_at=now - timedelta(minutes=50),
        )
        if incident:
            postmortem_flows.incident_transition(
                actor=manager, incident=incident, to=Status.RESPONDING
            )
            team.role_assign(
                actor=ali,
                incident=incident,
                role=Role.objects.get(slug=Role.SCRIBE),
                person=zeynep,
            )
            team.role_assign(
                actor=ali,
                incident=incident,
                role=Role.objects.get(slug=Role.COMMUNICATIONS_LEAD),
                person=manager,
            )
            services.incident_note_add(
                actor=ali,
                incident=incident,
                text=self._say("First mention spotted by the listening dashboard (@foodwatch_tr)."),
                at=now - timedelta(minutes=55),
            )
            services.incident_note_add(
                actor=manager,
                incident=incident,
                text=self._say("Quality lab asked to test retained samples of batch 24-117."),
            )
            rumour = services.claim_add(
                actor=ali,
                incident=incident,
                statement=self._say("Batch 24-117 made children ill in Izmir."),
                seen_at_location="https://x.com/foodwatch_tr/status/1860000000000000000",
                first_seen_at=now - timedelta(minutes=58),
            )
            services.claim_set_status(actor=zeynep, claim=rumour, status=ClaimStatus.INVESTIGATING)
            fake = services.claim_add(
                actor=zeynep,
                incident=incident,
                statement=self._say("The company recalled all products last year and hid it."),
                seen_at_location=self._say("Facebook group 'Parents of Izmir'"),
            )
            services.claim_set_status(
                actor=manager,
                claim=fake,
                status=ClaimStatus.FALSE,
                evidence=self._say(
                    "No recall was filed: the ministry's public recall list shows none."
                ),
            )
            flows.checklist_item_add(
                actor=manager,
                incident=incident,
                title=self._say("Publish the holding statement"),
                assignee=ali,
                due_at=now + timedelta(minutes=10),
            )
            flows.checklist_item_add(
                actor=manager,
                incident=incident,
                title=self._say("Brief customer care with the approved answer"),
                assignee=zeynep,
                due_at=now + timedelta(minutes=30),
            )
            done = flows.checklist_item_add(
                actor=manager,
                incident=incident,
                title=self._say("Secure the brand accounts (2FA check)"),
            )
            flows.checklist_item_update(actor=ali, item=done, done=True)

        incident = declare(
            "Rumour of a customer data breach after the login outage",
            actor=zeynep,
            severity=2,
            category=Category.SECURITY_BREACH,
            source=Source.CUSTOMER_CARE,
            tags=["security"],
            summary="Customers ask whether their data leaked during yesterday's outage.",
            detected_at=now - timedelta(hours=3),
        )
        if incident:
            postmortem_flows.incident_transition(actor=zeynep, incident=incident, to=Status.TRIAGED)
            services.claim_add(
                actor=zeynep,
                incident=incident,
                statement=self._say("Hackers stole 2 million customer passwords."),
                seen_at_location="https://x.com/techgossip/status/1860000000000000001",
            )

        incident = declare(
            "Complaint thread about delivery delays",
            actor=ali,
            severity=3,
            category=Category.CUSTOMER_DISSATISFACTION,
            source=Source.CUSTOMER_CARE,
            detected_at=now - timedelta(days=1),
        )
        if incident:
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.RESPONDING)
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.MONITORING)

        declare(
            "Influencer criticises the new ad campaign",
            actor=zeynep,
            severity=4,
            category=Category.BAD_CAMPAIGN,
            source=Source.MEDIA,
            tags=["campaign"],
        )

        incident = declare(
            "CEO quote taken out of context",
            actor=ali,
            severity=3,
            category=Category.MISUNDERSTANDING,
            source=Source.MEDIA,
            detected_at=now - timedelta(days=4),
        )
        if incident:
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.RESPONDING)
            postmortem_flows.incident_transition(actor=ali, incident=incident, to=Status.RESOLVED)

        incident = declare(
            "Fake screenshot of a price increase",
            actor=ali,
            severity=3,
            category=Category.RUMOUR,
            source=Source.LISTENING_ALERT,
            detected_at=now - timedelta(days=6),
        )
        if incident:
            postmortem_flows.incident_transition(
                actor=manager,
                incident=incident,
                to=Status.DECLINED,
                reason=self._say("The screenshot was a parody account's post; no one repeated it."),
            )

        incident = declare(
            "Store employee video on social media",
            actor=manager,
            severity=2,
            category=Category.EMPLOYEE_MISCONDUCT,
            source=Source.EMPLOYEE,
            detected_at=now - timedelta(days=12),
        )
        if incident:
            for status in (Status.RESPONDING, Status.MONITORING, Status.RESOLVED):
                postmortem_flows.incident_transition(actor=manager, incident=incident, to=status)
            postmortem_flows.incident_transition(
                actor=manager,
                incident=incident,
                to=Status.CLOSED,
                waiver=self._say("Handled by HR; the lessons are in the SEV2 review of March."),
            )
        return created

    def _communications(self, people: dict[str, Any]) -> None:
        """A sandbox account (publishes nowhere, labelled so), mentions, a holding statement,
        and messages in different states on the SEV1 incident."""
        if SocialAccount.objects.exists():
            return
        admin, manager, ali = people["admin"], people["manager"], people["responder"]
        account = accounts.account_save(
            actor=admin,
            handle="juicebrand",
            display_name=self._say("Juice Brand"),
            two_factor_enabled=True,
        )
        WatchTerm.objects.create(account=account, query='"juice brand" OR #juicebrand')
        if not WordingRule.objects.filter(shape=WordingRule.Shape.LINKS).exists():
            # The brand's own sites: a link anywhere else is a warning before it goes out.
            rule_save(
                actor=manager,
                name=self._say("Links only to our own sites"),
                shape=WordingRule.Shape.LINKS,
                words="juicebrand.com\njuicebrand.com.tr",
                reason=self._say(
                    "A link elsewhere may say something we did not approve, or stop working "
                    "mid-crisis."
                ),
                examples_flagged="Details: https://bit.ly/juice\nAyrıntılar: kisa.link/juice",
                examples_passed="Details: https://juicebrand.com/recall\n"
                "Ayrıntılar: https://destek.juicebrand.com.tr/geri-cagirma",
            )
        now = timezone.now()
        mentions = [
            ("foodwatch_tr", 48_200, "@juicebrand is batch 24-117 safe?? My kids drank it."),
            ("ayse_k", 312, "@juicebrand your customer line has been busy for an hour."),
            ("newsdesk_live", 125_000, "@juicebrand do you have a statement on the video?"),
            ("randomuser42", 18, "@juicebrand love the new mango flavour"),
        ]
        sev1 = Incident.objects.filter(severity=1, status="responding").first()
        created = []
        for n, (handle, followers, text) in enumerate(mentions):
            created.append(
                InboundPost.objects.create(
                    external_id=str(1_862_000_000_000_000_000 + n),
                    account=account,
                    author_handle=handle,
                    author_name=handle,
                    author_followers=followers,
                    text=self._say(text),
                    url=f"https://x.com/{handle}/status/{1_862_000_000_000_000_000 + n}",
                    posted_at=now - timedelta(minutes=40 - n * 7),
                    incident=sev1 if n != 3 else None,
                    reply_due_at=now + timedelta(minutes=20 + n * 10),
                )
            )
        Template.objects.create(
            name=self._say("Holding statement: looking into it"),
            kind=Template.Kind.HOLDING_STATEMENT,
            language=self.language,
            body=self._say(
                "We are aware of reports about {what_happened}. We are looking into it as a "
                "priority and will share an update by {next_update}. ({reference})"
            ),
            created_by=manager,
            approved_by=admin,
            approved_at=now,
        )
        if sev1 is None:
            return
        published = message_services.message_create(
            actor=ali,
            incident=sev1,
            account=account,
            body=self._say(
                "We have seen the video about batch 24-117. Our quality lab is testing retained "
                "samples now. We will update here within the hour."
            ),
        )
        message_services.message_submit(actor=ali, message=published)
        approvals.message_approve(
            actor=manager, message=published, comment=self._say("Good, factual.")
        )
        approvals.message_approve(actor=admin, message=published)
        # The public statement page: the SEV1 on it, with its first approved update.
        page_switch_on(
            actor=manager, incident=sev1, headline=self._say("Batch 24-117 of our mango juice")
        )
        page_update = message_services.message_create(
            actor=ali,
            incident=sev1,
            account=None,
            kind="page_update",
            language=self.language,
            body=self._say(
                "What happened: a video says bottles of batch 24-117 of our mango juice made "
                "children ill.\nWhat you can do: until we know more, please do not drink bottles "
                "of batch 24-117 (printed under the cap); any shop takes them back.\nWhat we are "
                "doing: our quality lab is testing retained samples of the batch now.\nNext "
                "update: within the hour, here."
            ),
        )
        message_services.message_submit(actor=ali, message=page_update)
        approvals.message_approve(actor=manager, message=page_update)
        approvals.message_approve(actor=admin, message=page_update)
        reply = message_services.message_create(
            actor=ali,
            incident=sev1,
            account=account,
            kind="reply",
            reply_to_mention=created[0],
            body=self._say(
                "We are testing batch 24-117 right now and will update within the hour. "
                "If anyone feels unwell, please call 0800 000 00 00."
            ),
        )
        message_services.message_submit(actor=ali, message=reply)
        message_services.message_create(
            actor=ali,
            incident=sev1,
            account=account,
            kind="reply",
            reply_to_mention=created[2],
            body=self._say("A statement is on our profile; we will post updates there."),
        )

    def _playbooks(self, people: dict[str, Any]) -> None:
        """Three playbooks with the approved words they offer."""
        if Playbook.objects.exists():
            return
        manager, admin = people["manager"], people["admin"]
        now = timezone.now()
        templates = {}
        for name, kind, body in PLAYBOOK_TEMPLATES:
            templates[name], _created = Template.objects.get_or_create(
                name=self._say(name),
                language=self.language,
                defaults={
                    "kind": kind,
                    "body": self._say(body),
                    "created_by": manager,
                    "approved_by": admin,
                    "approved_at": now,
                },
            )
        # The dark site, in both languages whatever the demo's: approved in advance.
        prepared = [
            Template.objects.get_or_create(
                name=self._say(PREPARED_PAGE),
                language=language,
                defaults={
                    "kind": Template.Kind.PAGE,
                    "headline": headline,
                    "body": body,
                    "faq": faq,
                    "created_by": manager,
                    "approved_by": admin,
                    "approved_at": now,
                },
            )[0]
            for language, (headline, body, faq) in PREPARED_PAGE_TEXTS.items()
        ]
        groups = {group.name: group for group in StakeholderGroup.objects.all()}
        roles = {role.pk: role for role in Role.objects.all()}
        for plan in PLAYBOOKS:
            playbook_write(
                actor=manager,
                name=self._say(plan["name"]),
                category=plan["category"],
                severity_hint=plan["severity_hint"],
                scenario=self._say(plan["scenario"]),
                first_steps=self._say(plan["first_steps"]),
                checklist=[
                    {
                        "title": self._say(title),
                        "due_minutes": minutes,
                        "role": role,
                        "meets": meets[0] if meets else None,
                    }
                    for minutes, title, role, *meets in plan["checklist"]
                ],
                roles=[roles[slug] for slug in plan["roles"]],
                stakeholders=[
                    {
                        "group": groups[self._say(group)],
                        "channel": channel,
                        "within_minutes": minutes,
                    }
                    for group, channel, minutes in plan["stakeholders"]
                    if self._say(group) in groups
                ],
                templates=[templates[name] for name in plan["templates"]]
                + (prepared if plan["name"] == "Product safety rumour" else []),
            )

    def _listening(self) -> None:
        """Two weeks of what people usually say to the demo account (busy afternoons, quiet
        nights; decided long ago, so the queue stays as it is), then a storm about batch
        24-117 in the last half hour: the listening raises its alert, explained, with the
        product safety playbook suggested by the risk register's watch terms."""
        account = SocialAccount.objects.filter(handle="juicebrand").first()
        if account is None or Alert.objects.exists():
            return
        now = timezone.now()
        rng = random.Random(24117)
        start = now - timedelta(days=14)
        history: list[InboundPost] = []
        moment = start
        while moment < now - timedelta(hours=1):
            busy = 9 <= moment.hour < 22
            for _n in range(rng.choice((1, 2, 3, 4) if busy else (0, 0, 1))):
                history.append(
                    InboundPost(
                        external_id=str(1_861_000_000_000_000_000 + len(history)),
                        account=account,
                        author_handle=f"customer{rng.randint(1, 9999)}",
                        author_followers=rng.randint(5, 3000),
                        text=self._say(rng.choice(USUAL_POSTS)),
                        posted_at=moment + timedelta(seconds=rng.randint(0, 299)),
                        triage=InboundPost.Triage.NO_REPLY,
                        triage_reason=self._say("Routine, answered by customer care."),
                    )
                )
            moment += timedelta(minutes=5)
        storm = []
        for n in range(90):
            handle, followers = STORM_AUTHORS[n] if n < len(STORM_AUTHORS) else (None, 0)
            storm.append(
                InboundPost(
                    external_id=str(1_862_500_000_000_000_000 + n),
                    account=account,
                    author_handle=handle or f"worried{rng.randint(1, 99999)}",
                    author_followers=followers or rng.randint(20, 8000),
                    text=self._say(STORM_POSTS[n % len(STORM_POSTS)]),
                    posted_at=now - timedelta(seconds=20 * n + 5),
                )
            )
        InboundPost.objects.bulk_create(history + storm, batch_size=2000)
        volume_rollup(since=start, until=now + timedelta(minutes=5), account_ids=[account.pk])
        alerts.alerts_evaluate(end=now, account_ids=[account.pk])

    def _risks(self, people: dict[str, Any]) -> None:
        """A filled risk register: risks in every band, mitigations, the incidents that
        realised them (one risk keeps happening) and their playbooks."""
        if Risk.objects.exists():
            return
        manager = people["manager"]
        now = timezone.now()
        playbooks = {playbook.name: playbook for playbook in Playbook.objects.all()}
        for entry in RISKS:
            risk = risks.risk_save(
                actor=manager,
                title=self._say(entry["title"]),
                category=entry["category"],
                likelihood=entry["likelihood"],
                impact=entry["impact"],
                owner=people[entry["owner"]],
                early_warning_signs=(
                    self._say(entry["early_warning_signs"])
                    if "early_warning_signs" in entry
                    else ""
                ),
                watch_terms=[self._say(term) for term in entry.get("watch_terms", [])],
                playbook=(
                    playbooks.get(self._say(entry["playbook"])) if "playbook" in entry else None
                ),
                review_at=now + timedelta(days=entry["review_days"]),
                status=entry.get("status", Risk.Status.OPEN),
            )
            for text, owner, status in entry.get("mitigations", []):
                risks.mitigation_save(
                    actor=manager,
                    risk=risk,
                    text=self._say(text),
                    owner=people[owner],
                    status=status,
                )
            for title in entry.get("incidents", []):
                incident = Incident.objects.filter(title=self._say(title)).first()
                if incident is not None:
                    risks.risk_realised(actor=manager, risk=risk, incident=incident)
