// Marks the page as having JavaScript before it renders, as the GOV.UK template's inline
// script does; a file, because the Content-Security-Policy allows no inline script.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
