"""Onboarding departments: create one, show its API key once, rotate the key."""
from flask import abort, flash, render_template
from flask_babel import gettext as _

from app.admin.access import READERS, current_operator, role_required
from app.admin.blueprint import bp
from app.admin.onboarding_forms import DepartmentForm
from app.admin.writes import unless_taken
from app.catalogue.services import current_scheme, types_by_issuer
from app.core.audit import audit
from app.core.extensions import db
from app.departments import services
from app.departments.models import Department


def _list(form, status=200):
    scheme = current_scheme()
    return render_template("admin/departments.html", departments=services.all_departments(),
                           form=form, scheme=scheme, issued=types_by_issuer(scheme)), status


@bp.get("/departments")
@role_required(*READERS)
def departments():
    return _list(DepartmentForm())


@bp.post("/departments")
@role_required("operator")
def create_department():
    form = DepartmentForm()
    if not form.validate_on_submit():
        return _list(form, 422)
    made = unless_taken(lambda: services.create_department(form.code.data, form.name.data))
    if made is None:
        form.code.errors.append(_("A department with this code exists already."))
        return _list(form, 409)
    department, api_key = made
    audit(current_operator().actor, "department.created", "department", department.id,
          data={"code": department.code, "name": department.name})
    db.session.commit()
    return render_template("admin/key_shown.html", owner=department.name, api_key=api_key,
                           back="admin.departments", back_args={}), 201


@bp.post("/departments/<id:department_id>/key")
@role_required("operator")
def rotate_department_key(department_id):
    department = db.session.get(Department, department_id) or abort(404)
    api_key = services.rotate_api_key(department)
    if api_key is None:  # nothing was written
        flash(_("Another operator has just rotated this key; rotate it again only if the new "
                "key was lost."), "error")
        return _list(DepartmentForm(), 409)
    audit(current_operator().actor, "department.key_rotated", "department", department.id)
    db.session.commit()
    return render_template("admin/key_shown.html", owner=department.name, api_key=api_key,
                           back="admin.departments", back_args={}, rotated=True)
