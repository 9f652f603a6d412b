"""Administrators' pages: accounts, the unit directory (CSV in and out) and inspection files (TOML)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from intake.accounts import User
from intake.errors import InspectionError
from intake.inspection import parse_inspection
from routing.divisions import load_divisions
from storage.accounts import name_key
from storage.desk import DirectoryEntry
from web.auth import ROLES, check_csrf, hash_password, password_problem
from web.identity import desk_store, require
from web.pages import KIND_WORDS, render
from web.runtime import runtime
from web.signin import display_tz

Admin = Annotated[User, Depends(require("admin"))]

# An uploaded file larger than this is not a directory or an inspection file.
MAX_UPLOAD = 2 << 20


def _now() -> datetime:
    return datetime.now(UTC)


async def _read_upload(upload: UploadFile) -> str:
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(status_code=413, detail="file too large")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HTTPException(status_code=422, detail=f"file is not UTF-8 (byte {exc.start})") from exc


def admin_router(inspection_dir: Path) -> APIRouter:
    """Admin routes; `inspection_dir` is where edited inspection files are saved."""
    router = APIRouter()

    @router.get("/admin", response_class=HTMLResponse)
    async def admin_home(request: Request, user: Admin) -> Response:
        return render(request, "admin/index.html", await _accounts(request, None))

    @router.post("/admin/users")
    async def add_user(
        request: Request,
        user: Admin,
        csrf: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        role: Annotated[str, Form()] = "officer",
        password: Annotated[str, Form()] = "",
        inspections: Annotated[str, Form()] = "*",
    ) -> Response:
        check_csrf(request, csrf)
        store = desk_store(request)
        problem = password_problem(password) or (None if role in ROLES else "未知角色")
        if not name.strip():
            problem = "用户名不能为空"
        if problem is None:
            try:
                await store.users.add_user(
                    name.strip(), role, hash_password(password), _now(), inspections.strip() or "*"
                )
            except ValueError:
                problem = f"用户 {name} 已存在"
        return render(request, "admin/index.html", await _accounts(request, problem or f"已创建 {name}"))

    @router.post("/admin/users/{name}")
    async def update_user(
        request: Request,
        name: str,
        user: Admin,
        csrf: Annotated[str, Form()] = "",
        role: Annotated[str, Form()] = "",
        disabled: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        if role and role not in ROLES:
            raise HTTPException(status_code=422, detail="unknown role")
        await desk_store(request).users.update_user(
            name, actor=user.name, now=_now(), role=role or None, disabled=disabled == "1"
        )
        return RedirectResponse("/admin", status_code=303)

    @router.post("/admin/users/{name}/unlock")
    async def unlock_user(
        request: Request, name: str, user: Admin, csrf: Annotated[str, Form()] = ""
    ) -> Response:
        """Lift the sign-in waits of an account from every address (audited as user.unlocked)."""
        check_csrf(request, csrf)
        store = desk_store(request)
        if await store.users.get_user(name) is None:
            raise HTTPException(status_code=404, detail="no such user")
        await store.users.unlock(name, actor=user.name, now=_now())
        return render(request, "admin/index.html", await _accounts(request, f"已解除 {name} 的登录限制"))

    @router.get("/admin/directory", response_class=HTMLResponse)
    async def directory_page(request: Request, user: Admin, q: str = "") -> Response:
        entries = await desk_store(request).desk.directory_entries(q.strip() or None)
        return render(
            request,
            "admin/directory.html",
            {"entries": entries, "q": q, "kinds": KIND_WORDS, "message": None},
        )

    @router.post("/admin/directory")
    async def put_entry(
        request: Request,
        user: Admin,
        csrf: Annotated[str, Form()] = "",
        kind: Annotated[str, Form()] = "",
        region: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        email: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        store = desk_store(request)
        message = _entry_problem(kind, region, name)
        if message is None:
            await store.desk.put_directory_entry(
                DirectoryEntry(kind, region.strip(), name.strip(), email.strip() or None),
                actor=user.name,
                now=_now(),
            )
            message = f"已保存：{name}"
        entries = await store.desk.directory_entries()
        return render(
            request,
            "admin/directory.html",
            {"entries": entries, "q": "", "kinds": KIND_WORDS, "message": message},
        )

    @router.get("/admin/directory.csv")
    async def export_directory(request: Request, user: Admin) -> Response:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["kind", "region", "name", "email"])
        for e in await desk_store(request).desk.directory_entries(limit=1_000_000):
            writer.writerow([e.kind, e.region, e.name, e.email or ""])
        return Response(
            "\ufeff" + out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="directory.csv"'},
        )

    @router.post("/admin/directory.csv")
    async def import_directory(
        request: Request,
        user: Admin,
        csrf: Annotated[str, Form()] = "",
        file: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        check_csrf(request, csrf)
        if file is None:
            raise HTTPException(status_code=422, detail="choose a CSV file")
        text = await _read_upload(file)
        store = desk_store(request)
        problems: list[str] = []
        good: list[DirectoryEntry] = []
        for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            kind, region, name = (
                (row.get("kind") or "").strip(),
                (row.get("region") or "").strip(),
                (row.get("name") or "").strip(),
            )
            problem = _entry_problem(kind, region, name)
            if problem:
                problems.append(f"第{n}行：{problem}")
            else:
                good.append(DirectoryEntry(kind, region, name, (row.get("email") or "").strip() or None))
        if not problems:
            for entry in good:
                await store.desk.put_directory_entry(entry, actor=user.name, now=_now())
        message = "；".join(problems[:20]) if problems else f"已导入 {len(good)} 条"
        entries = await store.desk.directory_entries()
        return render(
            request,
            "admin/directory.html",
            {"entries": entries, "q": "", "kinds": KIND_WORDS, "message": message},
        )

    @router.get("/admin/inspection/{inspection_id}.toml")
    async def export_inspection(request: Request, inspection_id: str, user: Admin) -> Response:
        path = runtime(request).inspection_files.get(inspection_id)
        if path is None:
            raise HTTPException(status_code=404, detail="no such inspection")
        text = await asyncio.to_thread(Path(path).read_text, "utf-8")
        return PlainTextResponse(text, media_type="application/toml; charset=utf-8")

    @router.post("/admin/inspection")
    async def import_inspection(
        request: Request, user: Admin, csrf: Annotated[str, Form()] = "", source: Annotated[str, Form()] = ""
    ) -> Response:
        check_csrf(request, csrf)
        rt = runtime(request)
        try:
            inspection = parse_inspection(source, "uploaded file")
        except InspectionError as exc:
            context = await _accounts(request, "；".join(exc.problems))
            return render(request, "admin/index.html", {**context, "source": source}, 422)
        path = inspection_dir / f"{inspection.id}.toml"
        await asyncio.to_thread(_save, path, source)
        # Served from now on; the numbering continues where it was for a known id.
        rt.inspections[inspection.id] = inspection
        rt.service.inspections[inspection.id] = inspection
        rt.inspection_files[inspection.id] = path
        await desk_store(request).desk.audit_action(
            None, "inspection.saved", {"inspection": inspection.id}, actor=user.name, now=_now()
        )
        return RedirectResponse("/admin", status_code=303)

    return router


async def _accounts(request: Request, message: str | None) -> dict[str, Any]:
    """The accounts part of the admin page: each account and until when its sign-in is slowed down
    (and from how many addresses), in the inspections' local time."""
    store = desk_store(request)
    # The runtime's clock, which the sign-in throttle reads too.
    now = runtime(request).service.clock.now()
    throttled = await store.users.throttled_names(now)
    tz = display_tz(runtime(request).inspections.values())
    users = await store.users.list_users()
    waits = {}
    for u in users:
        if (found := throttled.get(name_key(u.name))) is not None:
            count, until = found
            waits[u.name] = f"{count}个地址受限至{until.astimezone(tz).strftime('%H:%M:%S')}"
    return {"users": users, "roles": ROLES, "message": message, "waits": waits}


def _save(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def _entry_problem(kind: str, region: str, name: str) -> str | None:
    if kind not in KIND_WORDS:
        return f"未知的单位类别 {kind!r}"
    if load_divisions().get(region.strip()) is None:
        return f"地区代码 {region!r} 不在行政区划表中"
    if not name.strip():
        return "单位名称不能为空"
    return None
