"""HTTP API of the transaction context (API.md "Transactions").

No ``from __future__ import annotations`` here: FastAPI must evaluate the
local ``Caller``/``Writer`` dependency aliases when the routes are declared.
"""

import hashlib
import json
import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from contexts.transaction.api.schemas import (
    ImportOut,
    TransactionCreate,
    TransactionOut,
    TransactionTypeName,
)
from contexts.transaction.application.book import BookService, ImportResult
from contexts.transaction.application.idempotency import IdempotentRequest
from contexts.transaction.application.ports import StoredResponse, TransactionFilter
from contexts.transaction.domain.transaction import Transaction, TransactionInput, TransactionType
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.principal import Principal
from shared_kernel.domain.errors import DomainError, InvalidInput
from shared_kernel.web.auth import WebAuth
from shared_kernel.web.csv_body import CSV_MEDIA_TYPE, CSV_REQUEST_BODY, csv_body
from shared_kernel.web.etag import etag_for, version_check
from shared_kernel.web.pagination import ListPage, page_request
from shared_kernel.web.problems import PROBLEM_CONTENT_TYPE, domain_problem, problem_responses
from shared_kernel.web.routing import StockbookRoute
from shared_kernel.web.schemas import DateInput

API_PREFIX = "/api/v1"
_IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="1–255 printable ASCII: a retry with the same key and body is answered "
        "as the first request was, and records nothing new.",
    ),
]


def _idempotent_request(
    request: Request, key: str | None, path: str, *parts: bytes
) -> IdempotentRequest | None:
    """What identifies the request behind ``key``: its ``path``, written as the API
    writes it (an id in lower case, however the caller wrote it), and ``parts`` of
    what it asks."""
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidInput.for_field("Idempotency-Key", "must be 1–255 printable ASCII characters")
    digest = hashlib.sha256(hashlib.sha256(path.encode()).digest())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())

    def refusal(error: DomainError) -> StoredResponse:
        problem = domain_problem(request, error)
        return StoredResponse(status=problem.status_code, body=bytes(problem.body).decode())

    return IdempotentRequest(key=key, fingerprint=digest.hexdigest(), refusal=refusal)


def _transaction_out(transaction: Transaction) -> TransactionOut:
    return TransactionOut(
        id=transaction.id,
        portfolio_id=transaction.portfolio_id,
        type=transaction.type.value,
        stock_id=transaction.stock_id,
        symbol=transaction.symbol,
        quantity=transaction.quantity,
        price=transaction.price,
        amount=transaction.amount,
        fee=transaction.fee,
        tax=transaction.tax,
        currency=transaction.currency,
        executed_at=transaction.executed_at,
        notes=transaction.notes,
        external_id=transaction.external_id,
        recorded_at=transaction.recorded_at,
        voided_at=transaction.voided_at,
    )


def _send(stored: StoredResponse) -> Response:
    headers = {"Location": stored.location} if stored.location else {}
    return Response(
        content=stored.body,
        status_code=stored.status,
        media_type=PROBLEM_CONTENT_TYPE if stored.status >= 400 else "application/json",
        headers=headers,
    )


def build_transaction_router(book: BookService, auth: WebAuth) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["transaction"], route_class=StockbookRoute)
    Caller = Annotated[Principal, Depends(auth.principal)]
    Writer = Annotated[Principal, Depends(auth.writer)]

    @router.post(
        "/portfolios/{portfolio_id}/transactions",
        status_code=201,
        response_model=TransactionOut,
        summary="Record a transaction",
        responses=problem_responses(401, 403, 404, 409, 415, 422),
    )
    async def record_transaction(
        portfolio_id: UUID,
        body: TransactionCreate,
        caller: Writer,
        request: Request,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response:
        canonical = json.dumps(
            body.model_dump(mode="json", exclude_unset=True), sort_keys=True
        ).encode()
        idempotency = _idempotent_request(
            request,
            idempotency_key,
            f"{API_PREFIX}/portfolios/{portfolio_id}/transactions",
            canonical,
        )

        def render(transaction: Transaction) -> StoredResponse:
            return StoredResponse(
                status=201,
                body=_transaction_out(transaction).model_dump_json(),
                location=f"{API_PREFIX}/transactions/{transaction.id}",
            )

        stored = await book.record(
            caller.user_id,
            portfolio_id,
            TransactionInput(**body.model_dump()),
            idempotency,
            render,
        )
        return _send(stored)

    @router.get(
        "/portfolios/{portfolio_id}/transactions",
        summary="A portfolio's transactions, newest first",
        responses=problem_responses(401, 404, 422),
    )
    async def list_transactions(
        portfolio_id: UUID,
        caller: Caller,
        page: Annotated[PageRequest, Depends(page_request)],
        type: TransactionTypeName | None = None,
        stock_id: UUID | None = None,
        first: Annotated[DateInput | None, Query(alias="from")] = None,
        last: Annotated[DateInput | None, Query(alias="to")] = None,
        include_voided: bool = False,
    ) -> ListPage[TransactionOut]:
        result = await book.list_transactions(
            caller.user_id,
            TransactionFilter(
                portfolio_id=portfolio_id,
                type=TransactionType(type) if type else None,
                stock_id=stock_id,
                first_date=first,
                last_date=last,
                include_voided=include_voided,
            ),
            page,
        )
        return ListPage[TransactionOut].of(
            Page(items=[_transaction_out(t) for t in result.items], next_keyset=result.next_keyset)
        )

    @router.get(
        "/transactions/{transaction_id}",
        summary="Get a transaction",
        responses=problem_responses(401, 404),
    )
    async def get_transaction(
        transaction_id: UUID, caller: Caller, response: Response
    ) -> TransactionOut:
        transaction = await book.get(caller.user_id, transaction_id)
        response.headers["ETag"] = etag_for(transaction.version)
        return _transaction_out(transaction)

    @router.delete(
        "/transactions/{transaction_id}",
        status_code=204,
        summary="Void a transaction (it stays visible, and counts nowhere)",
        responses=problem_responses(401, 403, 404, 409, 412),
    )
    async def void_transaction(
        transaction_id: UUID,
        caller: Writer,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        await book.void(caller.user_id, transaction_id, version_check(if_match))
        return Response(status_code=204)

    @router.post(
        "/portfolios/{portfolio_id}/transactions/import",
        response_model=ImportOut,
        summary="Import transactions from CSV (all rows or none)",
        responses=problem_responses(401, 403, 404, 409, 415, 422),
        openapi_extra=CSV_REQUEST_BODY,
    )
    async def import_transactions(
        portfolio_id: UUID,
        caller: Writer,
        request: Request,
        dry_run: bool = False,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response:
        content = await csv_body(request)
        idempotency = _idempotent_request(
            request,
            idempotency_key,
            f"{API_PREFIX}/portfolios/{portfolio_id}/transactions/import",
            str(dry_run).encode(),
            content,
        )

        def render(result: ImportResult) -> StoredResponse:
            body = ImportOut(
                recorded=result.recorded,
                skipped_duplicates=result.skipped_duplicates,
                dry_run=result.dry_run,
            )
            return StoredResponse(status=200, body=body.model_dump_json())

        stored = await book.import_csv(
            caller.user_id, portfolio_id, content, dry_run, idempotency, render
        )
        return _send(stored)

    @router.get(
        "/portfolios/{portfolio_id}/transactions/export",
        summary="Export the live transactions as CSV (the import format)",
        response_class=StreamingResponse,
        responses={
            200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}},
            **problem_responses(401, 404),
        },
    )
    async def export_transactions(portfolio_id: UUID, caller: Caller) -> StreamingResponse:
        lines = await book.export_csv(caller.user_id, portfolio_id)
        return StreamingResponse(
            lines,
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
        )

    return router
