from decimal import Decimal

from sqlalchemy import select

from bidbridge.models import BudgetLine, DocumentVersion
from tests.tendering_factory import tender


def test_tender_rows_round_trip_exact_decimals(factory, runtime):
    sub = factory.company()
    t = tender(factory, [sub], lines=2)
    with runtime.sessions() as s:
        quantities = s.scalars(select(BudgetLine.quantity)
                               .where(BudgetLine.workpackage_id == t.workpackage.id)
                               .order_by(BudgetLine.position)).all()
        versions = s.scalars(select(DocumentVersion).where(
            DocumentVersion.document_id.in_([d.id for d in t.documents]))).all()
    assert quantities == [Decimal("10.500"), Decimal("21.000")]
    assert len(versions) == 2
    assert all(runtime.storage.exists(v.storage_key) for v in versions)
    assert t.rfp_for(sub).company_id == sub.company.id
