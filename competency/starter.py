"""The starter framework "ISO 9001 Leadership": written for Proficio, published as v1 by
`python manage.py load_starter_framework`, which leaves it in review for an HR or quality manager to approve
with their signature (`make run`'s demo data loads it approved and published).

Each competency: code, name, description, the ISO 9001:2015 clauses it serves, and one behavioural
indicator per level of the default scale (1 Awareness … 5 Expert).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import services
from .formats import ImportPlan, NodeSpec
from .models import Framework, FrameworkVersion, ProficiencyScale

STARTER_CODE = "iso9001-leadership"
STARTER_NAME = "ISO 9001 Leadership"

AREAS: list[tuple[str, str, str]] = [
    ("SV", "Strategic Vision", "Setting direction for the quality management system and tying it to strategy."),
    ("PI", "Process Improvement", "Managing work as processes and improving them, including Lean methods and document control."),
    ("CA", "Compliance Awareness", "Knowing and meeting the requirements that apply, and checking that they are met."),
    ("RM", "Risk Management", "Finding, weighing and acting on risks and opportunities, including those of change."),
    ("PM", "People Management", "Making sure people are competent, aware and clear about their roles."),
    ("QC", "Quality Culture", "Living quality as a shared value and learning from what goes wrong."),
    ("CF", "Customer Focus", "Understanding customers' requirements and how well they are met."),
    ("DD", "Digital & Data Literacy", "Using data, information and knowledge to decide and to keep what the organisation knows."),
]

# (area, code, name, description, clauses, indicators for levels 1-5)
COMPETENCIES: list[tuple[str, str, str, str, list[str], list[str]]] = [
    ("SV", "SV-01", "Quality policy and direction",
     "Sets and explains a quality policy that fits the organisation's purpose and strategy.",
     ["5.1", "5.1.1", "5.2", "5.2.2"],
     ["Can say where the quality policy is kept and what it commits the organisation to.",
      "Explains how the policy applies to their own team's work.",
      "Translates the policy into team priorities and refers to it when deciding.",
      "Contributes to reviewing the policy and aligns several teams' plans with it.",
      "Shapes the policy with top management and makes it a visible part of the strategy."]),
    ("SV", "SV-02", "Context and interested parties",
     "Understands the internal and external issues and the parties whose needs affect the organisation.",
     ["4.1", "4.2", "4.3"],
     ["Knows who the main customers, regulators and suppliers of their area are.",
      "Lists the needs of the interested parties that affect their team.",
      "Keeps issues and interested-party needs for their area up to date and acts on changes.",
      "Analyses trends in the context and proposes changes to the system's scope or processes.",
      "Leads the organisation-wide review of context and sets the response to strategic shifts."]),
    ("SV", "SV-03", "Quality objectives",
     "Sets measurable quality objectives and plans how to achieve them.",
     ["6.2", "9.3"],
     ["Knows the quality objectives that apply to their work.",
      "Tracks their team's progress against objectives with guidance.",
      "Sets measurable team objectives with owners, resources and dates, and reviews them.",
      "Cascades objectives across functions and corrects course when results slip.",
      "Defines the organisation's objective framework and links it to strategy and reward."]),
    ("PI", "PI-01", "Process thinking",
     "Manages work as interacting processes with inputs, outputs, owners and measures.",
     ["4.4", "8.1"],
     ["Can describe the steps, inputs and outputs of their own process.",
      "Follows documented processes and reports where they do not work in practice.",
      "Owns a process: defines its measures, controls and interfaces and keeps them working.",
      "Redesigns processes across departments to remove hand-off failures.",
      "Builds the organisation's process architecture and coaches process owners."]),
    ("PI", "PI-02", "Lean and waste reduction",
     "Finds and removes waste using Lean methods such as value-stream mapping, 5S and kaizen.",
     ["10.1", "10.3", "8.5.1"],
     ["Recognises the common forms of waste in their work.",
      "Takes part in improvement events and applies standard work.",
      "Leads kaizen events and measures the effect of changes on lead time and defects.",
      "Maps value streams across functions and runs an improvement programme.",
      "Sets the organisation's improvement system and develops other Lean leaders."]),
    ("PI", "PI-03", "Document control",
     "Keeps documented information identified, reviewed, approved, available and protected.",
     ["7.5", "7.5.1", "7.5.2", "7.5.3"],
     ["Uses the current version of documents and knows where to find it.",
      "Creates and updates documents with the right identification, review and approval.",
      "Controls the documents of their area: revisions, access, retention and withdrawal of obsolete ones.",
      "Designs document-control rules for several areas and audits their use.",
      "Defines the organisation's approach to documented information, including electronic records and signatures."]),
    ("PI", "PI-04", "Corrective action and root cause",
     "Deals with nonconformities by finding root causes and checking that actions worked.",
     ["10.2", "8.7"],
     ["Reports nonconformities promptly and factually.",
      "Contains the effect of a nonconformity and records what happened.",
      "Leads root-cause analysis (5 Whys, fishbone) and verifies that corrective actions were effective.",
      "Spots recurring causes across cases and changes processes to prevent them.",
      "Builds a corrective-action system whose effectiveness is measured and reviewed by management."]),
    ("CA", "CA-01", "Requirements and obligations",
     "Knows the customer, legal and other requirements that apply and builds them into the work.",
     ["4.2", "8.2.2", "8.2.3"],
     ["Knows that legal and customer requirements apply to their work.",
      "Checks work against the requirements listed for it.",
      "Keeps the requirements for their area current and makes sure they are met before commitments are made.",
      "Interprets new or changed requirements and plans their introduction across functions.",
      "Represents the organisation to regulators and customers on compliance matters."]),
    ("CA", "CA-02", "Internal audit",
     "Takes part in and learns from internal audits of the quality management system.",
     ["9.2"],
     ["Knows why internal audits happen and answers auditors' questions openly.",
      "Prepares evidence for audits and follows up their own findings.",
      "Plans responses to findings in their area and closes them on time.",
      "Acts as a trained internal auditor for other areas.",
      "Designs the audit programme from risks and previous results and reports on it to top management."]),
    ("CA", "CA-03", "Management review",
     "Brings the right inputs to management review and acts on its decisions.",
     ["9.3", "9.3.2", "9.3.3"],
     ["Knows that management review decides on the system's direction.",
      "Supplies accurate data for review inputs when asked.",
      "Prepares the review inputs for their area and carries out the resulting actions.",
      "Analyses inputs across areas and proposes decisions on resources and improvements.",
      "Chairs management review and makes sure its outputs change the organisation."]),
    ("RM", "RM-01", "Risk-based thinking",
     "Identifies, evaluates and treats risks and opportunities in plans and processes.",
     ["6.1"],
     ["Recognises that decisions carry risks and opportunities.",
      "Raises risks they see and follows the agreed controls.",
      "Keeps a risk register for their area, rates risks and checks that actions reduce them.",
      "Balances risks across functions and uses them to set priorities and resources.",
      "Sets the organisation's risk appetite and integrates risk into strategy."]),
    ("RM", "RM-02", "Managing change",
     "Plans and controls changes so that the system keeps working while they happen.",
     ["6.3", "8.5.6"],
     ["Follows the steps required when something in their work changes.",
      "Assesses how a change affects their tasks and tells the people concerned.",
      "Plans changes in their area with their purpose, consequences, resources and responsibilities.",
      "Leads cross-functional changes and reviews them after they are made.",
      "Guides the organisation through major change without losing control of quality."]),
    ("PM", "PM-01", "Developing competence",
     "Determines the competence people need, closes gaps and checks that actions worked.",
     ["7.1.2", "7.2"],
     ["Knows the competence their own role requires.",
      "Discusses their development needs and follows agreed training.",
      "Assesses their team against role requirements and plans actions whose effectiveness is evaluated.",
      "Builds development paths and succession for several teams and keeps records auditable.",
      "Sets the organisation's competence framework and links it to strategy."]),
    ("PM", "PM-02", "Roles and accountability",
     "Makes roles, responsibilities and authorities clear and known.",
     ["5.3"],
     ["Knows their own responsibilities and authorities.",
      "Clarifies responsibilities when hand-offs are unclear.",
      "Defines and communicates the roles in their team and makes sure someone owns every duty.",
      "Resolves overlaps and gaps in accountability between functions.",
      "Designs the organisation's structure of authority for the quality management system."]),
    ("PM", "PM-03", "Awareness and communication",
     "Makes sure people know the policy, objectives and their part in quality, and communicates well.",
     ["7.3", "7.4"],
     ["Can explain how their work affects the quality of products or services.",
      "Shares quality information with colleagues when it matters to them.",
      "Plans what is communicated to the team, when and how, and checks it was understood.",
      "Runs communication on quality across functions and with external parties.",
      "Builds an organisation where everyone can explain their contribution to quality."]),
    ("QC", "QC-01", "Leading by example",
     "Shows commitment to quality in what they do, not only in what they say.",
     ["5.1", "5.1.1"],
     ["Follows quality rules even under time pressure.",
      "Speaks up about quality problems and accepts feedback on their own work.",
      "Makes quality visible in team routines and recognises people who improve it.",
      "Holds other leaders to quality commitments and removes obstacles to them.",
      "Is seen across the organisation as the reference for how quality is lived."]),
    ("QC", "QC-02", "Learning from mistakes",
     "Treats problems as chances to learn and shares the lessons.",
     ["10.2", "10.3", "7.1.6"],
     ["Reports their own mistakes without hiding them.",
      "Takes part in reviews of what went wrong and applies the lessons.",
      "Runs blame-free reviews in the team and turns lessons into changed practice.",
      "Spreads lessons between teams and sites.",
      "Creates the conditions in which people report problems early and openly."]),
    ("CF", "CF-01", "Customer requirements",
     "Understands what customers need and makes sure the organisation can deliver it.",
     ["5.1.2", "8.2", "8.2.1"],
     ["Knows who the customers of their work are.",
      "Handles customer communication correctly, including complaints and changes.",
      "Reviews requirements before commitments and makes sure changes reach everyone concerned.",
      "Anticipates customer needs and designs services around them.",
      "Builds long-term customer relationships that shape the organisation's offer."]),
    ("CF", "CF-02", "Customer satisfaction",
     "Monitors how customers perceive the organisation and acts on it.",
     ["9.1.2"],
     ["Knows how customer satisfaction is measured.",
      "Collects and passes on customer feedback.",
      "Analyses satisfaction data for their area and acts on the results.",
      "Links satisfaction to process measures and leads improvements across functions.",
      "Makes customer perception a driver of strategy and investment."]),
    ("DD", "DD-01", "Data-driven decisions",
     "Uses monitoring, measurement and analysis to decide and to show results.",
     ["9.1", "9.1.1", "9.1.3"],
     ["Reads the basic charts and figures used in their area.",
      "Collects data accurately and spots obvious anomalies.",
      "Chooses the right measures, analyses trends and bases decisions on the evidence.",
      "Builds dashboards and analyses across functions and teaches others to use them.",
      "Sets the organisation's measurement strategy and data governance."]),
    ("DD", "DD-02", "Organisational knowledge",
     "Keeps and shares the knowledge the organisation needs, in digital and other forms.",
     ["7.1.6", "7.5"],
     ["Knows where to find the information needed for their work.",
      "Records what they learn so that others can use it.",
      "Makes sure the knowledge of their area is captured, current and accessible, including when people leave.",
      "Connects knowledge across functions with suitable digital tools.",
      "Leads the organisation's knowledge management and its digital information systems."]),
]


def starter_plan() -> ImportPlan:
    nodes = [NodeSpec(code=code, name=name, parent_code=None, line=None, description=description, order=i)
             for i, (code, name, description) in enumerate(AREAS)]
    nodes += [
        NodeSpec(code=code, name=name, parent_code=area, line=None, description=description, clauses=clauses,
                 indicators={level: [text] for level, text in enumerate(indicators, start=1)}, order=i)
        for i, (area, code, name, description, clauses, indicators) in enumerate(COMPETENCIES)
    ]
    return ImportPlan(source="proficio", name=STARTER_NAME, code=STARTER_CODE,
                      description="Leadership competencies for organisations that run an ISO 9001:2015 quality "
                                  "management system, each mapped to the clauses it serves.",
                      nodes=nodes)


@transaction.atomic
def load_starter_framework(*, owner, approver=None, password: str = "") -> tuple[FrameworkVersion, bool]:
    """Creates v1 of the starter framework and sends it for review; (version, created). With an `approver`
    (someone other than the owner while segregation of duties is on) and their password, it is also
    signed, approved and published. Does nothing if the framework exists."""
    existing = Framework.objects.filter(code=STARTER_CODE).first()
    if existing is not None:
        return existing.versions.order_by("-number").first(), False
    scale = ProficiencyScale.objects.get(name="Proficio 1-5")
    version = services.framework_import_apply(starter_plan(), actor=owner, name=STARTER_NAME, code=STARTER_CODE,
                                              scale=scale)
    version = services.version_submit_for_review(version=version, actor=owner)
    if approver is None:
        return version, True
    services.version_approve(version=version, actor=approver, password=password,
                             change_note="First version, shipped with Proficio as a starting point.")
    version = services.version_publish(version=version, actor=approver, effective_date=timezone.localdate())
    return version, True
