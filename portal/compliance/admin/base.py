"""What the compliance admins share: writes go through compliance.services, a refused rule comes back as a
message with nothing of the page saved, history is for reading, objects outside the queryset do not exist."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from portal.compliance import services
from portal.compliance.enums import OutsourcingStatus, SubcontractingStatus


class ServiceAdminMixin:
    """A ComplianceError raised by a service while saving rolls the whole page back (the admin's own
    transaction.atomic) and comes back as a message; nothing is deleted; an object outside the queryset
    has no history page either."""

    def has_delete_permission(self, request, obj=None):
        return False

    def _visible(self, request, object_id) -> bool:
        try:
            return self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            return False

    def history_view(self, request, object_id, extra_context=None):
        if not self._visible(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ComplianceError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _run_each(self, request, queryset, action, done: str) -> None:
        """Run a service on each selected object; each refusal or success is its own message."""
        for obj in queryset:
            try:
                action(obj)
            except services.ComplianceError as error:
                self.message_user(request, f"{obj}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{obj}: {done}", messages.SUCCESS)


class ServiceAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """For models with simple_history: the history is for reading (no revert: that would skip the
    services), and simple_history's fallback to the historical rows of an object outside the queryset
    is closed."""

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self._visible(request, object_id):
            raise Http404
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AddOnlyInline(admin.StackedInline):
    """Existing rows are read-only; a new row is saved through a service (see the admin's save_formset)."""

    extra = 0
    can_delete = False
    show_change_link = False
    add_permission = ""
    open_statuses: tuple = ()

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.status in self.open_statuses and request.user.has_perm(self.add_permission)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClauseInlineBase(admin.TabularInline):
    """The items a contract must state, each checked through services.clause_set (see save_formset)."""

    extra = 0
    can_delete = False
    fields = ("item_number", "clause_text", "checked", "location", "checked_by_name", "checked_at")
    readonly_fields = ("item_number", "clause_text", "checked_by_name", "checked_at")
    change_permission = ""

    @admin.display(description="号")
    def item_number(self, obj):
        return obj.item_number

    @admin.display(description="明記すべき事項")
    def clause_text(self, obj):
        return obj.get_clause_display()

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.status not in (OutsourcingStatus.ENDED, SubcontractingStatus.ENDED)
            and request.user.has_perm(self.change_permission)
        )


def new_rows(formset):
    """The filled-in new rows of an inline formset: the cleaned data of each, the form's own fields only
    (not the key to the parent, which the service is given itself)."""
    fields = [name for name in formset.form.base_fields if name != formset.fk.name]
    return [
        {name: form.cleaned_data.get(name) for name in fields}
        for form in formset.forms
        if form.instance.pk is None and form.has_changed() and form.cleaned_data
    ]


def saved(formset, new=(), changed=()) -> None:
    """What the admin's change message reads from a formset the services saved."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = list(new), list(changed), []


def clauses_save(request, formset) -> None:
    """Save the changed clause rows of a clause inline through services.clause_set."""
    changed = [
        (
            services.clause_set(
                clause=form.instance,
                actor=request.user,
                checked=form.cleaned_data["checked"],
                location=form.cleaned_data.get("location") or "",
            ),
            form.changed_data,
        )
        for form in formset.forms
        if form.instance.pk and form.has_changed()
    ]
    saved(formset, changed=changed)
